// Publishes @tf2aif/nx into a local registry with `nx release publish`, the command a real release runs
// (nx.json "release"), so the e2e test installs what a release would publish. Only the publish step: no
// versioning, changelog, commit or tag, so no tracked file changes; the version is plugins/nx/package.json's
// as it is, and each registry's storage starts empty, so it never clashes with an earlier publish.
import { execa } from 'execa';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { registryEnv, type LocalRegistry } from './local-registry';
import { repoRoot } from './temp-workspace';

export const pluginPackage = '@tf2aif/nx';

export interface PublishResult {
  seconds: number;
  output: string;
}

/** `nx release publish` of the plugin from `workspaceRoot` (this repo) into `registry`; throws with Nx's output on failure. */
export async function publishPlugin(registry: LocalRegistry, options: { workspaceRoot?: string; dryRun?: boolean } = {}): Promise<PublishResult> {
  const cwd = options.workspaceRoot ?? repoRoot;
  // The workspace's Nx loads this very plugin from its built `main` before it can publish anything.
  const pluginDir = join(cwd, 'plugins', 'nx');
  const main = JSON.parse(readFileSync(join(pluginDir, 'package.json'), 'utf8')).main as string;
  if (!existsSync(join(pluginDir, main))) throw new Error(`the plugin is not built (no plugins/nx/${main}): run \`npm run build\` (npm test does)`);
  const args = ['release', 'publish', `--projects=${pluginPackage}`, `--registry=${registry.url}/`, ...(options.dryRun ? ['--dry-run'] : [])];
  const started = Date.now();
  const result = await execa('node', [join(cwd, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], {
    cwd,
    env: registryEnv(registry, { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false', FORCE_COLOR: '0' }),
    extendEnv: false,
    reject: false,
    all: true,
  });
  const output = result.all ?? '';
  if (result.exitCode !== 0) throw new Error(`nx ${args.join(' ')} failed (exit ${result.exitCode}):\n${output}`);
  return { seconds: (Date.now() - started) / 1000, output };
}
