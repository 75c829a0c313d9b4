// The system packages some tests need, and what a test does without them: it skips, with one line naming
// the Debian package to install. Never a failure, in CI neither: `npm test` run as root installs them first
// (tools/test-prerequisites.sh, which exports TF2AIF_TEST_MISSING); this module reads that variable and
// also probes the machine itself, so `npx vitest` run without the script skips the same tests.
import { execFileSync } from 'child_process';
import { accessSync, constants, existsSync } from 'fs';
import { delimiter, join } from 'path';

export type SystemNeed = 'docker' | 'base-amd64' | 'arm64-emulation' | 'base-arm64' | 'chromium' | 'nginx';

const repoRoot = join(__dirname, '..', '..');
const baseImage = (arch: 'amd64' | 'arm64') => `tf2aif/base:bookworm-py311-${arch}`;
export const chromiumPath = process.env.TF2AIF_CHROMIUM ?? '/usr/bin/chromium';

const onPath = (command: string) =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** docker-engine-id.js answers for the engine DOCKER_HOST names and for the base images in it, once. */
let engineAnswer: string[] | undefined;
function engine(): string[] {
  engineAnswer ??= execFileSync('node', [join(repoRoot, 'plugins', 'nx', 'bin', 'docker-engine-id.js'), baseImage('amd64'), baseImage('arm64')], {
    encoding: 'utf8',
  })
    .trim()
    .split(' ');
  return engineAnswer;
}

const emulation = () => existsSync('/proc/sys/fs/binfmt_misc/qemu-aarch64');

/** What is missing for `need`, as "<what> (<how to get it>)", or undefined when it is here. */
function probe(need: SystemNeed): string | undefined {
  const listed = (process.env.TF2AIF_TEST_MISSING ?? '').split(',').includes(need);
  switch (need) {
    case 'docker':
      if (!listed && engine()[0] !== 'no-engine') return undefined;
      return onPath('dockerd')
        ? `no Docker engine answers at ${process.env.DOCKER_HOST ?? 'the default socket'} (as root: bash tools/docker-engine.sh start)`
        : 'dockerd not found (apt-get install docker.io)';
    case 'arm64-emulation':
      if (!listed && emulation()) return undefined;
      return onPath('update-binfmts') && (onPath('qemu-aarch64-static') || existsSync('/usr/libexec/qemu-binfmt/aarch64-binfmt-P'))
        ? 'arm64 emulation not registered (as root: bash tools/register-arm64-emulation.sh)'
        : 'qemu-user-static not found (apt-get install qemu-user-static binfmt-support)';
    case 'base-amd64':
    case 'base-arm64': {
      const arch = need === 'base-amd64' ? 'amd64' : 'arm64';
      // present in the engine, or made by the test's beforeAll (tools/bootstrap-base-image.sh) with debootstrap
      const inEngine = engine()[0] !== 'no-engine' && !engine().includes(`${baseImage(arch)}=absent`);
      if (!listed && (inEngine || onPath('debootstrap'))) return undefined;
      return onPath('debootstrap')
        ? `the ${arch} base image could not be bootstrapped (bash tools/bootstrap-base-image.sh ${arch})`
        : 'debootstrap not found (apt-get install debootstrap)';
    }
    case 'chromium':
      return !listed && existsSync(chromiumPath) ? undefined : `chromium not found at ${chromiumPath} (apt-get install chromium)`;
    case 'nginx':
      return !listed && onPath('nginx') ? undefined : 'nginx not found (apt-get install nginx-light)';
  }
}

/**
 * Why `tests` cannot run on this machine (the first missing need, naming the package), or undefined.
 * Prints it as one line, `tf2aif test: <what>: <tests> skipped (<package>)`. Use it as
 * `describe.skipIf(why)(`title${skipNote(why)}`, ...)`.
 */
export function missingFor(tests: string, ...needs: SystemNeed[]): string | undefined {
  for (const need of needs) {
    const why = probe(need);
    if (why) {
      const [, what, how] = /^(.*) \((.*)\)$/.exec(why)!;
      console.warn(`tf2aif test: ${what}: ${tests} ${tests.endsWith('s') ? 'are' : 'is'} skipped (${how})`);
      return why;
    }
  }
  return undefined;
}

/** The suffix of a skipped describe block's title: " (skipped: <why>)", or "" when it runs. */
export const skipNote = (why: string | undefined) => (why ? ` (skipped: ${why})` : '');
