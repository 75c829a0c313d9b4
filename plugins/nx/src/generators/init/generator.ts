import { formatFiles, readNxJson, updateNxJson, type Tree } from '@nx/devkit';

export const pluginName = '@tf2aif/nx';
const ignored = ['dist/', '.tf2aif/'];

export interface InitOptions {
  skipFormat?: boolean;
}

/** Registers the plugin in nx.json and keeps build outputs and the Python env out of git. */
export async function initGenerator(tree: Tree, options: InitOptions = {}) {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  const registered = plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === pluginName);
  if (!registered) {
    nxJson.plugins = [...plugins, pluginName];
    updateNxJson(tree, nxJson);
  }
  const gitignore = tree.exists('.gitignore') ? tree.read('.gitignore', 'utf8')! : '';
  const lines = gitignore.split('\n');
  const missing = ignored.filter((entry) => !lines.includes(entry));
  if (missing.length > 0) {
    tree.write('.gitignore', `${gitignore}${gitignore && !gitignore.endsWith('\n') ? '\n' : ''}${missing.join('\n')}\n`);
  }
  if (!options.skipFormat) await formatFiles(tree);
}

export default initGenerator;
