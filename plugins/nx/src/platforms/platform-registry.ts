import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseJsonFile, parseOrThrow } from '../utils/format-issues';
import { readPluginOptions } from '../plugin/plugin-options';
import { builtInPlatformsDir } from '../plugin/plugin-package';
import { platformDescriptorSchema, type PlatformDescriptor } from './platform-descriptor';

export { builtInPlatformsDir } from '../plugin/plugin-package';

/** A descriptor and where it was read: the package's built-in platforms, or the workspace's own folder. */
export type RegisteredPlatform = PlatformDescriptor & {
  /** absolute folder holding platform.json (and the platform's own Dockerfile template, if any) */
  dir: string;
  builtIn: boolean;
};

export type PlatformRegistry = ReadonlyMap<string, RegisteredPlatform>;

function readFolder(dir: string, builtIn: boolean, into: Map<string, RegisteredPlatform>) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const file = join(dir, entry.name, 'platform.json');
    if (!entry.isDirectory() || !existsSync(file)) continue;
    const descriptor = parseOrThrow(platformDescriptorSchema, parseJsonFile(readFileSync(file, 'utf8'), file), file);
    if (descriptor.name !== entry.name) {
      throw new Error(`${file}: name "${descriptor.name}" must match its folder "${entry.name}"`);
    }
    const existing = into.get(descriptor.name);
    if (existing)
      throw new Error(
        `${file}: platform "${descriptor.name}" is already ` +
          `${existing.builtIn ? 'a built-in platform' : `defined in ${existing.dir}`}; pick another name`,
      );
    into.set(descriptor.name, { ...descriptor, dir: join(dir, entry.name), builtIn });
  }
}

/** The built-in platforms, then the workspace's own (`<workspace>/<platformsDir>/<name>/platform.json`) beside them. */
export function loadPlatformRegistry(workspacePlatformsDir?: string): PlatformRegistry {
  const registry = new Map<string, RegisteredPlatform>();
  readFolder(builtInPlatformsDir, true, registry);
  if (workspacePlatformsDir) readFolder(workspacePlatformsDir, false, registry);
  for (const d of registry.values()) {
    if (d.baselineOf && !registry.has(d.baselineOf)) {
      throw new Error(`platform "${d.name}": baselineOf names unknown platform "${d.baselineOf}"`);
    }
  }
  return registry;
}

/** Every platform this workspace knows, its own folder taken from the plugin options in nx.json. */
export function workspacePlatforms(workspaceRoot: string): PlatformRegistry {
  return loadPlatformRegistry(join(workspaceRoot, readPluginOptions(workspaceRoot).platformsDir));
}
