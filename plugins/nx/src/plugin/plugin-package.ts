import { readFileSync } from 'fs';
import { join } from 'path';

/**
 * Where this plugin's own files are, wherever the package is installed (node_modules, a workspace link): the
 * package folder is two levels above this module (src/toolchain/ in the sources, dist/toolchain/ when built).
 * Nothing here knows the layout of the repository the plugin is developed in.
 */
export const packageDir = join(__dirname, '..', '..');
/** built-in platform descriptors, one `<name>/platform.json` each */
export const builtInPlatformsDir = join(packageDir, 'platforms');
/** the shared Dockerfile templates (a platform may bring its own) */
export const templatesDir = join(packageDir, 'templates');
/** the Python toolchain as shipped: the wheel, requirements.lock, the image locks and manifest.json (scripts/build.js) */
export const toolchainPackageDir = join(packageDir, 'toolchain');

const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { name: string; version: string };
export const packageName = packageJson.name;
export const packageVersion = packageJson.version;
