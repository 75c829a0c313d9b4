import type { TargetConfiguration } from '@nx/devkit';

/** Where the plugin and toolchain are, and the plugin options that shape every model's targets. */
export interface TargetSettings {
  /** workspace-relative folder of the Python toolchain (holds requirements.lock and tf2aif_toolchain/) */
  toolchainDir: string;
  /** workspace-relative folder of this plugin (its executors are inputs of the targets they run) */
  pluginDir: string;
  /** base image overrides keyed by platform name or image arch (plugin option baseImages) */
  baseImages: Record<string, string>;
}

type Input = NonNullable<TargetConfiguration['inputs']>[number];

/** A workspace-relative path as an Nx input. */
export const ws = (p: string) => `{workspaceRoot}/${p}`;

/** Inputs every toolchain step shares: the pinned lock, the toolchain's core modules, the step runner. */
export function coreToolchainInputs(loc: TargetSettings): Input[] {
  return [
    ws(`${loc.toolchainDir}/requirements.lock`),
    ws(`${loc.toolchainDir}/tf2aif_toolchain/*.py`),
    // the job contract every step checks its job file against
    ws(`${loc.toolchainDir}/tf2aif_toolchain/job.schema.json`),
    ws(`${loc.pluginDir}/src/toolchain/**/*.ts`),
    ws(`${loc.pluginDir}/src/utils/**/*.ts`),
    // executors resolve their settings from tf2aif.json when they run (settings/), with the graph's paths
    ws(`${loc.pluginDir}/src/settings/**/*.ts`),
    ws(`${loc.pluginDir}/src/graph/**/*.ts`),
    ws(`${loc.pluginDir}/src/config/**/*.ts`),
    ws(`${loc.pluginDir}/src/platforms/**/*.ts`),
    { externalDependencies: ['nx'] },
  ];
}

/** The Python module of one adapter kind (converters, quantizers, runtimes, compilers). */
export function adapterInput(loc: TargetSettings, kind: string, module: string): Input {
  return ws(`${loc.toolchainDir}/tf2aif_toolchain/${kind}/${module}.py`);
}

export function executorInput(loc: TargetSettings, executor: string): Input {
  return ws(`${loc.pluginDir}/src/executors/${executor}/**/*.ts`);
}

/**
 * Content hash of files that git may ignore (weights, datasets): Nx's own file hashing skips ignored
 * files, so these are hashed by a command at task time.
 */
export function hashedPathsInput(loc: TargetSettings, paths: string[]): Input {
  return { runtime: `node ${loc.pluginDir}/bin/hash-paths.js ${paths.map((p) => JSON.stringify(p)).join(' ')}` };
}

/** Everything the dependencies wrote (the SavedModel, the converted model) is part of the hash. */
export const upstreamOutputs: Input = { dependentTasksOutputFiles: '**/*', transitive: true };
