import { DependencyType, hashArray, type CreateDependencies, type CreateNodes, type CreateNodesResult, type ProjectConfiguration } from '@nx/devkit';
import { existsSync, readFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import { ConfigFileError } from '../utils/format-issues';
import { resolveModelConfig, type ResolvedModel } from '../config/load-model-config';
import { loadPlatformRegistry, type PlatformRegistry } from '../platforms/platform-registry';
import { pluginContext, type PluginContext, type PluginOptions } from '../plugin/plugin-options';
import { buildModelSettings, calibrateSettings, exportSettings, referenceSettings, variantSettings } from '../settings/step-settings';
import {
  calibrationKey,
  calibrationProjectName,
  exportProjectName,
  modelCalibrations,
  modelExports,
  sharesCalibration,
  variantExports,
} from '../settings/shared-exports';
import { packageName } from '../plugin/plugin-package';
import { packageFingerprint } from './plugin-fingerprint';
import { buildModelTarget, calibrateTarget, exportTarget, referenceTarget } from './model-targets';
import { NodesCache } from './nodes-cache';
import { exportProjectRoot, variantProjectRoot } from './project-roots';
import { byReference } from './settings-reference';
import { renameSteps } from './target-names';
import { variantTargets } from './variant-targets';
import { workspaceProject } from './workspace-targets';

export type Tf2aifPluginOptions = PluginOptions;

/** Every tf2aif.json in the workspace is a model; nx.json's `include`/`exclude` of the plugin entry narrow it. */
export const modelConfigGlob = '**/tf2aif.json';

/** Projects inferred from one model config: the model itself and one project per platform. */
export function projectsForModel(model: ResolvedModel, ctx: PluginContext): CreateNodesResult {
  const projects: Record<string, ProjectConfiguration> = {};
  projects[model.dir] = {
    root: model.dir,
    name: model.name,
    projectType: 'library',
    tags: ['tf2aif:model'],
    targets: renameSteps(
      {
        'build-model': byReference('build-model', buildModelTarget(model, ctx), model, ctx, undefined, buildModelSettings(model)),
        reference: byReference('reference', referenceTarget(model, ctx), model, ctx, undefined, referenceSettings(model)),
      },
      ctx.targetNames,
    ),
    metadata: { description: `TensorFlow model ${model.name} (${model.file})`, technologies: ['tf2aif', 'tensorflow'] },
  };
  // each export in a project of its own: a variant's batch size or platform may add or drop one without changing the
  // model project's configuration, which Nx hashes into build-model and reference
  for (const e of modelExports(model)) {
    const root = exportProjectRoot(model.dir, e.key);
    const target = byReference('export', exportTarget(model, e, ctx), model, ctx, undefined, exportSettings(model, e.key), e);
    projects[root] = {
      root,
      name: exportProjectName(model.name, e.key),
      projectType: 'library',
      implicitDependencies: [model.name, ...(e.onlyIfRefused ?? []).map((k) => exportProjectName(model.name, k))],
      tags: ['tf2aif:export', `model:${model.name}`, `converter:${e.converter}`],
      targets: renameSteps({ export: target }, ctx.targetNames),
      metadata: {
        description: `${model.name} converted with ${e.converter} (${e.key}), shared by ${e.consumers.join(', ')}`,
        technologies: ['tf2aif', 'tensorflow'],
      },
    };
  }
  for (const c of modelCalibrations(model)) {
    const root = exportProjectRoot(model.dir, calibrationKey(c.quantizer));
    const target = byReference('calibrate', calibrateTarget(model, c, ctx), model, ctx, undefined, calibrateSettings(model, c.quantizer), {
      key: c.quantizer,
    });
    projects[root] = {
      root,
      name: calibrationProjectName(model.name, c.quantizer),
      projectType: 'library',
      implicitDependencies: [model.name, ...c.exports.map((e) => exportProjectName(model.name, e.key))],
      tags: ['tf2aif:calibration', `model:${model.name}`, `quantizer:${c.quantizer}`],
      targets: renameSteps({ calibrate: target }, ctx.targetNames),
      metadata: {
        description: `${model.name} calibrated for ${c.quantizer}, shared by ${c.consumers.join(', ')}`,
        technologies: ['tf2aif', 'tensorflow'],
      },
    };
  }
  for (const v of model.variants) {
    const root = variantProjectRoot(model.dir, v.key);
    const settings = variantSettings(model, v, ctx);
    const targets = Object.entries(variantTargets(model, v, ctx)).map(([step, t]) => [step, byReference(step, t, model, ctx, v, settings[step])]);
    projects[root] = {
      root,
      name: v.project,
      projectType: 'application',
      implicitDependencies: [
        model.name,
        ...new Set(variantExports(v).map((e) => exportProjectName(model.name, e.key))),
        ...(sharesCalibration(v) ? [calibrationProjectName(model.name, v.quantizer!)] : []),
      ],
      tags: ['tf2aif:variant', `model:${model.name}`, `platform:${v.platform.name}`, `arch:${v.platform.arch}`, `precision:${v.precision}`],
      targets: renameSteps(Object.fromEntries(targets), ctx.targetNames),
      metadata: {
        description: `${model.name} on ${v.platform.title}, ${v.runtime} ${v.precision.toUpperCase()}, batch ${v.batchSize}`,
        technologies: ['tf2aif', 'tensorflow'],
      },
    };
  }
  return { projects };
}

/**
 * A config that does not validate becomes one project whose targets fail with the problems: every target a model
 * or variant project can have. Nx's run-many prints only "Failed to process project graph" for a createNodes
 * error (the message needs --verbose), and one broken model should not stop the others from building.
 */
export function projectsForInvalidConfig(file: string, error: ConfigFileError, ctx: Pick<PluginContext, 'targetNames'>): CreateNodesResult {
  const dir = dirname(file);
  const target = { executor: '@tf2aif/nx:invalid-config', cache: false, options: { message: error.message } };
  return {
    projects: {
      [dir]: {
        root: dir,
        name: basename(dir),
        tags: ['tf2aif:invalid-config'],
        targets: Object.fromEntries(Object.values(ctx.targetNames).map((t) => [t, target])),
        metadata: { description: error.message },
      },
    },
  };
}

function projectsForFile(text: string, file: string, registry: PlatformRegistry, ctx: PluginContext): CreateNodesResult {
  try {
    return projectsForModel(resolveModelConfig(text, file, registry), ctx);
  } catch (e) {
    if (!(e instanceof ConfigFileError)) throw e;
    return projectsForInvalidConfig(file, e, ctx);
  }
}

/**
 * Everything a result depends on besides the config file: the whole plugin package (its code, built-in platforms and
 * the toolchain it ships, whose fingerprints the targets' inputs carry) and the workspace's own platform descriptors.
 */
function registryFingerprint(registry: PlatformRegistry): string {
  const parts: string[] = [packageFingerprint()];
  for (const d of registry.values()) if (!d.builtIn) parts.push(d.name, readFileSync(join(d.dir, 'platform.json'), 'utf8'));
  return hashArray(parts);
}

export const createNodesV2: CreateNodes<Tf2aifPluginOptions> = [
  modelConfigGlob,
  async (configFiles, options, context) => {
    const ctx = pluginContext(context.workspaceRoot, options);
    const registry = loadPlatformRegistry(join(context.workspaceRoot, ctx.platformsDir));
    const fingerprint = registryFingerprint(registry);
    const cache = new NodesCache(context.workspaceRoot);
    try {
      const results = configFiles.map((file) => {
        const text = readFileSync(join(context.workspaceRoot, file), 'utf8');
        const key = hashArray([fingerprint, JSON.stringify(ctx), file, text]);
        let result = cache.get(key);
        if (result === undefined) {
          result = projectsForFile(text, file, registry, ctx);
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
        const hasZoo = existsSync(join(context.workspaceRoot, 'zoo', 'zoo.json'));
        const project = workspaceProject(ctx, hasZoo);
        results[0] = [file, { ...first, projects: { ...first.projects, [project.root]: project } }] as const;
      }
      return results;
    } finally {
      cache.save();
    }
  },
];

/**
 * Every tf2aif project depends on the plugin package: an upgrade of @tf2aif/nx (a lock file change) makes them
 * affected, as their tasks' fingerprints change with it. In the plugin's own repository the package is a project.
 */
export const createDependencies: CreateDependencies = (_options, context) => {
  const projects = Object.values(context.projects);
  const target = context.externalNodes?.[`npm:${packageName}`]
    ? `npm:${packageName}`
    : projects.some((p) => p.name === packageName)
      ? packageName
      : undefined;
  if (!target) return [];
  return projects
    .filter((p) => p.name && p.tags?.some((t) => t.startsWith('tf2aif:')))
    .map((p) => ({ source: p.name!, target, type: DependencyType.implicit }));
};
