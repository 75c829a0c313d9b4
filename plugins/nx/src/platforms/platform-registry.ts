import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseJsonFile, parseOrThrow } from '../config/format-issues';
import { platformDescriptorSchema, type PlatformDescriptor } from './platform-descriptor';

/** Folder holding one `<name>/platform.json` per platform; a new platform is a new folder here. */
export const builtInPlatformsDir = join(__dirname, '..', '..', 'platforms');

export type PlatformRegistry = ReadonlyMap<string, PlatformDescriptor>;

export function loadPlatformRegistry(dirs: readonly string[] = [builtInPlatformsDir]): PlatformRegistry {
  const registry = new Map<string, PlatformDescriptor>();
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const file = join(dir, entry.name, 'platform.json');
      if (!entry.isDirectory() || !existsSync(file)) continue;
      const descriptor = parseOrThrow(platformDescriptorSchema, parseJsonFile(readFileSync(file, 'utf8'), file), file);
      if (descriptor.name !== entry.name) {
        throw new Error(`${file}: name "${descriptor.name}" must match its folder "${entry.name}"`);
      }
      registry.set(descriptor.name, descriptor);
    }
  }
  for (const d of registry.values()) {
    if (d.baselineOf && !registry.has(d.baselineOf)) {
      throw new Error(`platform "${d.name}": baselineOf names unknown platform "${d.baselineOf}"`);
    }
  }
  return registry;
}
