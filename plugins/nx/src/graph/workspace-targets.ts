import type { ProjectConfiguration } from '@nx/devkit';
import type { PluginContext } from '../plugin/plugin-options';
import { coreToolchainInputs, executorInput, hashedPathsInput, pluginParts, ws } from './inputs';
import { distRoot } from '../settings/output-paths';

/**
 * The workspace project's root: a folder of tf2aif's own, so that it never merges with a project the workspace
 * already has at its root (a root package.json with "nx", a standalone app's project.json). Its targets read
 * only {workspaceRoot} paths.
 */
export const workspaceProjectRoot = '.tf2aif';
/** the plan's inputs (fleet file, imported profiles): the folder its cache hashes */
export const planInputsDir = 'plan';
/** what the plan reads of each variant's outputs (dist/ is git-ignored, so Nx would not hash it) */
const profileFiles = ['artifact.json', 'verify.json', 'bench.json', 'compose.json'];
const ceilingPath = `${distRoot}/machine`;

/**
 * Workspace-level targets: `ceiling` (the machine's peak GEMM, measured on every run), `report`
 * (every variant's results in one place), `zoo` (the model zoo's coverage matrix) and `plan` (a deployment on a
 * fleet of node pools from the measured profiles). `nx report` is Nx's own command: call it `nx run tf2aif:report`.
 */
export function workspaceProject(ctx: PluginContext, hasZoo: boolean): ProjectConfiguration {
  return {
    root: workspaceProjectRoot,
    name: ctx.workspaceProjectName,
    tags: ['tf2aif:workspace'],
    targets: {
      ceiling: {
        executor: '@tf2aif/nx:ceiling',
        cache: false,
        // a measurement: it needs the machine to itself
        parallelism: false,
        inputs: [...coreToolchainInputs(), executorInput('ceiling')],
        outputs: [`{workspaceRoot}/${ceilingPath}`],
        options: { outputPath: ceilingPath },
        metadata: { description: "Measure this machine's peak GEMM throughput (FP32, INT8)" },
      },
      // only in a workspace with a model zoo (zoo/zoo.json)
      ...(hasZoo
        ? {
            zoo: {
              executor: '@tf2aif/nx:zoo',
              // not cached as a whole: each cell is a task of the zoo's own workspace, cached there
              cache: false,
              // explicit: this project's root holds no files Nx could hash (a task must name what it reads)
              inputs: [ws('zoo/**/*'), pluginParts(['dist/zoo/**']), executorInput('zoo')],
              metadata: {
                description: 'Add every zoo/zoo.json model as a user would, verify it on every platform, write dist/zoo/coverage.{json,md,html}',
              },
            },
          }
        : {}),
      plan: {
        executor: '@tf2aif/nx:plan',
        cache: true,
        inputs: [
          ws(`${planInputsDir}/**/*`),
          '{workspaceRoot}/**/tf2aif.json',
          hashedPathsInput(ctx, [`--only=${profileFiles.join(',')}`, `${distRoot}/variants`]),
          pluginParts([
            'toolchain/requirements.lock',
            'py:tf2aif_toolchain/plan/solver.py',
            'py:tf2aif_toolchain/job.schema.json',
            'dist/plan/**',
            'dist/report/**',
            'dist/compose/**',
            'dist/config/**',
            'platforms/**',
          ]),
          ws(`${ctx.platformsDir}/**/*`),
          executorInput('plan'),
          { externalDependencies: ['nx'] },
        ],
        outputs: [`{workspaceRoot}/${distRoot}/plan`],
        options: { outputPath: `${distRoot}/plan` },
        metadata: {
          description: 'Place a variant of every model with slo targets on the fleet (plan/fleet.json) at the lowest cost or power: dist/plan/',
        },
      },
      report: {
        executor: '@tf2aif/nx:report',
        cache: false,
        inputs: [pluginParts(['dist/report/**']), executorInput('report')],
        dependsOn: ['ceiling'],
        outputs: [`{workspaceRoot}/${distRoot}/report`],
        options: { outputPath: `${distRoot}/report`, ceilingPath },
        metadata: { description: 'Aggregate every variant into dist/report (report.json, report.md, report.html)' },
      },
    },
  };
}
