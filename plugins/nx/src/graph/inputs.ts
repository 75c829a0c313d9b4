import type { TargetConfiguration } from '@nx/devkit';
import type { PluginContext } from '../plugin/plugin-options';
import { partsFingerprint } from './plugin-fingerprint';

type Input = NonNullable<TargetConfiguration['inputs']>[number];

/** A workspace-relative path as an Nx input. */
export const ws = (p: string) => `{workspaceRoot}/${p}`;

/** The command that runs one of the package's bin/ scripts from the workspace root (where Nx runs runtime inputs). */
export const pluginBin = (ctx: PluginContext, script: string) => `node ${ctx.pluginDir}/bin/${script}`;

/**
 * Parts of the installed plugin package a task runs, as a runtime input: compiled code under `dist/`, descriptors and
 * templates, and `py:` modules of the toolchain wheel (plugin-fingerprint.ts). The plugin is an external dependency of
 * the workspace; its files are not the workspace's and are not named as file inputs. The fingerprint is computed when
 * the graph is (createNodes results are keyed by the whole package's), so the input costs a shell `echo`, not a
 * process per task; a rebuilt or upgraded package makes a new graph and new fingerprints.
 */
export function pluginParts(parts: string[]): Input {
  return { runtime: `echo ${partsFingerprint(parts)}` };
}

/** What every toolchain step shares: the pinned lock, the toolchain's core modules and job contract, the step runner. */
export const coreParts = [
  'toolchain/requirements.lock',
  'py:tf2aif_toolchain/*.py',
  // the steps and what they run besides adapters (bench/ and plan/ have their own inputs; an adapter's helper modules
  // come with it, adapterInput)
  'py:tf2aif_toolchain/steps/*.py',
  'py:tf2aif_toolchain/graph/*.py',
  'py:tf2aif_toolchain/diagnostics/*.py',
  // the job contract every step checks its job file against
  'py:tf2aif_toolchain/job.schema.json',
  'dist/toolchain/**',
  'dist/utils/**',
  // executors resolve their settings from tf2aif.json when they run (settings/), with the graph's paths
  'dist/settings/**',
  'dist/graph/**',
  'dist/config/**',
  'dist/platforms/**',
];

export function coreToolchainInputs(): Input[] {
  return [pluginParts(coreParts), { externalDependencies: ['nx'] }];
}

/**
 * The Python module of one adapter kind (converters, quantizers, runtimes, compilers): the workspace's own
 * (plugin option adaptersDir) when it has that module, which the toolchain then loads instead, else the package's.
 */
export function adapterInput(ctx: PluginContext, kind: string, module: string): Input {
  const own = `${kind}/${module}.py`;
  return ctx.workspaceAdapters.includes(own) ? ws(`${ctx.adaptersDir}/${own}`) : pluginParts([`py:tf2aif_toolchain/${own}`]);
}

export function executorInput(executor: string): Input {
  return pluginParts([`dist/executors/${executor}/**`]);
}

/**
 * Content hash of files that git may ignore (weights, datasets): Nx's own file hashing skips ignored
 * files, so these are hashed by a command at task time.
 */
export function hashedPathsInput(ctx: PluginContext, paths: string[]): Input {
  return { runtime: `${pluginBin(ctx, 'hash-paths.js')} ${paths.map((p) => JSON.stringify(p)).join(' ')}` };
}

/** Everything the dependencies wrote (the SavedModel, the converted model) is part of the hash. */
export const upstreamOutputs: Input = { dependentTasksOutputFiles: '**/*', transitive: true };
