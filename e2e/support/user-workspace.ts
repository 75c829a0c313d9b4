// A fresh Nx workspace made the way a user makes one, every package from the local registry: nothing is
// linked from this repo, so installing the plugin into it tests the published package and its peer ranges.
import { execa } from 'execa';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { registryEnv, type LocalRegistry } from './local-registry';

export interface UserWorkspace {
  root: string;
  nxVersion: string;
  /** how the workspace was made, and in how many seconds */
  created: { how: string; seconds: number };
  /** a command in the workspace with the registry's environment; never throws, so tests can assert on failures */
  run(command: string, args: string[], env?: Record<string, string>): Promise<{ exitCode: number; output: string }>;
  dispose(): void;
}

// No daemon (it would outlive the test), no Nx Cloud, no TUI, no colour codes in the output.
const quietNx = { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' };

export async function createUserWorkspace(options: { nxVersion: string; registry: LocalRegistry; name?: string }): Promise<UserWorkspace> {
  const { nxVersion, registry } = options;
  const name = options.name ?? 'acme';
  const parent = mkdtempSync(join(tmpdir(), 'tf2aif-user-'));
  const root = join(parent, name);
  const run = async (cwd: string, command: string, args: string[], env: Record<string, string> = {}) => {
    const result = await execa(command, args, {
      cwd,
      env: registryEnv(registry, { ...quietNx, ...env }),
      extendEnv: false,
      reject: false,
      all: true,
    });
    return { exitCode: result.exitCode ?? 1, output: result.all ?? '' };
  };
  const workspace: UserWorkspace = {
    root,
    nxVersion,
    created: { how: '', seconds: 0 },
    run: (command, args, env) => run(root, command, args, env),
    dispose: () => rmSync(parent, { recursive: true, force: true }),
  };

  const started = Date.now();
  const steps: Array<[string, string, string[]]> = [];
  if (Number(nxVersion.split('.')[0]) >= 24) {
    // Nx 24: nx@24 is published but create-nx-workspace@24 and @nx/js@24 are not (yet), so no preset can
    // make the workspace; a user adopting Nx in a bare npm project does what `nx init` would: nx and an
    // nx.json. (`nx init` itself wants the same missing packages.)
    mkdirSync(root);
    writeFileSync(join(root, 'nx.json'), JSON.stringify({ $schema: './node_modules/nx/schemas/nx-schema.json' }, null, 2) + '\n');
    writeFileSync(join(root, '.gitignore'), 'node_modules/\n.nx/\n');
    steps.push([root, 'npm', ['init', '-y']], [root, 'npm', ['install', '--save-dev', `nx@${nxVersion}`]]);
    workspace.created.how = `npm init -y && npm i -D nx@${nxVersion} (+ nx.json)`;
  } else {
    const args = ['-y', `create-nx-workspace@${nxVersion}`, name, '--preset=ts', '--nxCloud=skip', '--interactive=false', '--packageManager=npm'];
    steps.push([parent, 'npx', args]);
    workspace.created.how = `npx ${args.join(' ')}`;
  }
  for (const [cwd, command, args] of steps) {
    const result = await run(cwd, command, args);
    if (result.exitCode !== 0) {
      workspace.dispose();
      throw new Error(`${command} ${args.join(' ')} failed (exit ${result.exitCode}):\n${result.output}`);
    }
  }
  workspace.created.seconds = (Date.now() - started) / 1000;
  return workspace;
}
