import Docker from 'dockerode';
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import { join } from 'path';
import { repoRoot } from './temp-workspace';

export const localBaseImage = 'tf2aif/base:bookworm-py311-amd64';

/** The engine DOCKER_HOST names, or why there is none (CI must have one: .ci/run starts it). */
export function dockerEngine(): { docker?: Docker; missing?: string } {
  const id = execFileSync('node', [join(repoRoot, 'plugins', 'nx', 'bin', 'docker-engine-id.js')], { encoding: 'utf8' }).trim();
  if (id === 'no-engine') {
    const why = `no Docker engine at ${process.env.DOCKER_HOST ?? 'the default socket'} (bash tools/docker-engine.sh start)`;
    if (process.env.CI) throw new Error(`CI needs a Docker engine: ${why}`);
    return { missing: why };
  }
  return { docker: new Docker() };
}

/** The offline base image the workspace builds FROM (nx.json baseImages), bootstrapped when absent. */
export function ensureLocalBase(arch: 'amd64' | 'arm64' = 'amd64'): void {
  execFileSync('bash', [join(repoRoot, 'tools', 'bootstrap-base-image.sh'), arch], { stdio: 'inherit' });
}

/** Whether this machine can build arm64 images (qemu's aarch64 handler registered with binfmt_misc). */
export function arm64Emulation(): { ok: boolean; missing?: string } {
  if (existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64')) return { ok: true };
  const why = 'arm64 emulation is not registered (bash tools/register-arm64-emulation.sh)';
  if (process.env.CI) throw new Error(`CI needs ${why}`);
  return { ok: false, missing: why };
}

export { freePort } from '../../plugins/nx/src/bench/local-server'; // one free-port finder for the plugin and the tests
