import Docker from 'dockerode';
import { execFileSync } from 'child_process';
import { join } from 'path';
import { missingFor } from './system-packages';
import { repoRoot } from './temp-workspace';

export const localBaseImage = 'tf2aif/base:bookworm-py311-amd64';

/** The engine DOCKER_HOST names, or why the amd64 image tests cannot run here (system-packages.ts: they skip). */
export function dockerEngine(): { docker?: Docker; missing?: string } {
  const missing = missingFor('the amd64 image tests', 'docker', 'base-amd64');
  return missing ? { missing } : { docker: new Docker() };
}

/** The offline base image the workspace builds FROM (nx.json baseImages), bootstrapped when absent. */
export function ensureLocalBase(arch: 'amd64' | 'arm64' = 'amd64'): void {
  execFileSync('bash', [join(repoRoot, 'tools', 'bootstrap-base-image.sh'), arch], { stdio: 'inherit' });
}

/** Whether this machine can build arm64 images (qemu's aarch64 handler registered with binfmt_misc, a base). */
export function arm64Emulation(): { ok: boolean; missing?: string } {
  const missing = missingFor('the arm64 image tests', 'arm64-emulation', 'base-arm64');
  return { ok: !missing, missing };
}

export { freePort } from '../../plugins/nx/src/bench/local-server'; // one free-port finder for the plugin and the tests
