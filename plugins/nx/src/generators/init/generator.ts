import { formatFiles, logger, readNxJson, updateNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { pluginOptionsSchema } from '../../plugin/plugin-options';
import { packageName } from '../../plugin/plugin-package';
import { ensurePythonToolchain, setupCommand } from '../../toolchain/python-toolchain';
import { ToolchainMissingError } from '../../toolchain/uv';

export const pluginName = packageName;
const ignored = ['dist/', '.tf2aif/'];

export interface InitOptions {
  /** do not install the Python toolchain now (it is installed by the first step that needs it) */
  skipToolchain?: boolean;
  skipFormat?: boolean;
  /** passed by `nx add`; the plugin adds no package versions of its own */
  keepExistingVersions?: boolean;
}

/** The options written on registration: every default of the plugin, so a workspace sees what it can change. */
function defaultOptions(): Record<string, unknown> {
  const { baseImages: _none, ...options } = pluginOptionsSchema.parse({});
  return options;
}

/**
 * `nx add @tf2aif/nx` runs this: registers the plugin in nx.json with its options, keeps build outputs and the
 * Python env out of git, then (after the files are written) installs the managed Python toolchain into
 * .tf2aif/venv. Run again, it changes nothing that is there and brings the toolchain up to date.
 */
export async function initGenerator(tree: Tree, options: InitOptions = {}): Promise<GeneratorCallback> {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === pluginName);
  if (!registered) {
    nxJson.plugins = [...plugins, { plugin: pluginName, options: defaultOptions() }];
    updateNxJson(tree, nxJson);
  }
  const gitignore = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf8')! : '';
  const lines = gitignore.split('\n').map((l) => l.trim());
  const missing = ignored.filter((entry) => !lines.includes(entry) && !lines.includes(`/${entry}`));
  if (missing.length > 0) {
    tree.write('.gitignore', `${gitignore}${gitignore && !gitignore.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  }
  if (!options.skipFormat) await formatFiles(tree);
  if (options.skipToolchain) return () => {};
  return () => {
    try {
      ensurePythonToolchain(tree.root, (line) => logger.info(`tf2aif: ${line}`));
    } catch (e) {
      if (!(e instanceof ToolchainMissingError)) throw e;
      // the plugin is registered; only the toolchain is missing, and the first step that needs it tries again
      logger.error(`tf2aif: ${e.message}. Then run \`${setupCommand}\` (or any tf2aif target) to install it.`);
      process.exitCode = 1;
    }
  };
}

export default initGenerator;
