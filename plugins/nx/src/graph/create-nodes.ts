import { hashArray, type CreateNodesResult, type CreateNodesV2, type ProjectConfiguration } from '@nx/devkit';
import { readFileSync, readdirSync } from 'fs';
import { basename, dirname, join } from 'path';
import { workspaceDataDirectory } from 'nx/src/utils/cache-directory';
import { PluginCache } from 'nx/src/utils/plugin-cache-utils';
import { ConfigFileError } from '../config/format-issues';
import { resolveModelConfig, type ResolvedModel } from '../config/load-model-config';
import { builtInPlatformsDir, loadPlatformRegistry, type PlatformRegistry } from '../platforms/platform-registry';
import type { TargetSettings } from './inputs';
import { buildModelTarget } from './model-targets';
import { pluginDir, targetSettings } from '../toolchain/locations';
import { variantProjectRoot } from './paths';
import { byReference } from './settings-reference';
import { variantTargets } from './variant-targets';
import { workspaceProject } from './workspace-targets';
import type { PluginOptions } from '../settings/resolve-settings';
import { buildModelSettings, variantSettings } from '../settings/step-settings';

export type Tf2aifPluginOptions = PluginOptions;

export const modelConfigGlob = 'models/*/tf2aif.json';


/** Projects inferred from one model config: the model itself and one project per platform. */
export function projectsForModel(model: ResolvedModel, loc: TargetSettings): CreateNodesResult {
  const projects: Record<string, ProjectConfiguration> = {};
  projects[model.dir] = {
    root: model.dir,
    name: model.name,
    projectType: 'library',
    tags: ['tf2aif:model'],
    targets: { 'build-model': byReference('build-model', buildModelTarget(model, loc), model, loc, undefined, buildModelSettings(model, loc)) },
  };
  for (const v of model.variants) {
    const root = variantProjectRoot(model.dir, v.key);
    const settings = variantSettings(model, v, loc);
    projects[root] = {
      root,
      name: v.project,
      projectType: 'application',
      implicitDependencies: [model.name],
      tags: ['tf2aif:variant', `model:${model.name}`, `platform:${v.platform.name}`, `arch:${v.platform.arch}`, `precision:${v.precision}`],
      targets: Object.fromEntries(Object.entries(variantTargets(model, v, loc)).map(([name, t]) => [name, byReference(name, t, model, loc, v, settings[name])])),
      metadata: { description: `${model.name} on ${v.platform.title}, ${v.runtime} ${v.precision.toUpperCase()}, batch ${v.batchSize}` },
    };
  }
  return { projects };
}

/** Every target name a model or variant project can have: a broken config must answer them all. */
export const chainTargets = ['build-model', 'convert', 'quantize', 'verify', 'compile'];

/**
 * A config that does not validate becomes one project whose targets fail with the problems. Nx's
 * run-many prints only "Failed to process project graph" for a createNodes error (the message needs
 * --verbose), and one broken model should not stop the others from building.
 */
export function projectsForInvalidConfig(file: string, error: ConfigFileError): CreateNodesResult {
  const dir = dirname(file);
  const target = { executor: '@tf2aif/nx:invalid-config', cache: false, options: { message: error.message } };
  return {
    projects: {
      [dir]: {
        root: dir,
        name: basename(dir),
        tags: ['tf2aif:invalid-config'],
        targets: Object.fromEntries(chainTargets.map((t) => [t, target])),
        metadata: { description: error.message },
      },
    },
  };
}

function projectsForFile(text: string, file: string, registry: PlatformRegistry, loc: TargetSettings): CreateNodesResult {
  try {
    return projectsForModel(resolveModelConfig(text, file, registry), loc);
  } catch (e) {
    if (!(e instanceof ConfigFileError)) throw e;
    return projectsForInvalidConfig(file, e);
  }
}

/** Everything a result depends on besides the config file: the platform descriptors and this plugin's code. */
function registryFingerprint(): string {
  const parts: string[] = [];
  for (const name of readdirSync(builtInPlatformsDir).sort()) {
    try {
      parts.push(name, readFileSync(join(builtInPlatformsDir, name, 'platform.json'), 'utf8'));
    } catch {
      parts.push(name);
    }
  }
  for (const dir of ['graph', 'config', 'platforms', 'settings']) {
    const srcDir = join(pluginDir, 'src', dir);
    for (const name of readdirSync(srcDir).sort()) parts.push(name, readFileSync(join(srcDir, name), 'utf8'));
  }
  return hashArray(parts);
}

export const createNodesV2: CreateNodesV2<Tf2aifPluginOptions> = [
  modelConfigGlob,
  async (configFiles, options, context) => {
    const loc = targetSettings(context.workspaceRoot, options?.toolchainDir, options?.baseImages);
    const registry = loadPlatformRegistry();
    const fingerprint = registryFingerprint();
    // Nx's own plugin cache (LRU, written safely), as its vite and docker plugins keep theirs
    const cacheFile = join(workspaceDataDirectory, 'tf2aif-nodes.json');
    const cache = new PluginCache<CreateNodesResult>(cacheFile);
    try {
      const results = configFiles.map((file) => {
        const text = readFileSync(join(context.workspaceRoot, file), 'utf8');
        const key = hashArray([fingerprint, JSON.stringify(loc), file, text]);
        let result = cache.get(key);
        if (result === undefined) {
          result = projectsForFile(text, file, registry, loc);
          cache.set(key, result);
        }
        if (result.projects?.[dirname(file)]?.tags?.includes('tf2aif:invalid-config')) {
          console.error(`tf2aif: ${result.projects[dirname(file)].metadata?.description}`);
        }
        return [file, result] as const;
      });
      // the workspace-level project rides along with the first model (its targets read every variant)
      if (results.length > 0) {
        const [file, first] = results[0];
        results[0] = [file, { ...first, projects: { ...first.projects, '.': workspaceProject(loc) } }] as const;
      }
      return results;
    } finally {
      cache.writeToDisk(cacheFile);
    }
  },
];
