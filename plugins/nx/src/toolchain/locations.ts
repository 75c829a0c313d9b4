import { join, relative } from 'path';
import type { ToolchainLocation } from '../graph/inputs';

/** This plugin's package folder. */
export const pluginDir = join(__dirname, '..', '..');

/** Where the plugin and the Python toolchain are, relative to the workspace (the toolchain sits in packages/). */
export function toolchainLocation(workspaceRoot: string, toolchainDir?: string): ToolchainLocation {
  return {
    pluginDir: relative(workspaceRoot, pluginDir),
    toolchainDir: toolchainDir ?? relative(workspaceRoot, join(pluginDir, '..', '..', 'packages', 'toolchain')),
  };
}
