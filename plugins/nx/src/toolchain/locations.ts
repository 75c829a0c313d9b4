import { join, relative } from 'path';
import type { TargetSettings } from '../graph/inputs';

/** This plugin's package folder. */
export const pluginDir = join(__dirname, '..', '..');

/** Where the plugin and the Python toolchain are, relative to the workspace (the toolchain sits in packages/). */
export function targetSettings(workspaceRoot: string, toolchainDir?: string, baseImages: Record<string, string> = {}): TargetSettings {
  return {
    baseImages,
    pluginDir: relative(workspaceRoot, pluginDir),
    toolchainDir: toolchainDir ?? relative(workspaceRoot, join(pluginDir, '..', '..', 'packages', 'toolchain')),
  };
}
