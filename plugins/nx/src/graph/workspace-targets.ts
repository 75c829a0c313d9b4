import type { ProjectConfiguration } from '@nx/devkit';
import { coreToolchainInputs, executorInput, hashedPathsInput, ws, type TargetSettings } from './inputs';
import { distRoot } from './paths';

export const workspaceProjectName = 'tf2aif';
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
export function workspaceProject(loc: TargetSettings): ProjectConfiguration {
  return {
    root: '.',
    name: workspaceProjectName,
    tags: ['tf2aif:workspace'],
    targets: {
      ceiling: {
        executor: '@tf2aif/nx:ceiling',
        cache: false,
        // a measurement: it needs the machine to itself
        parallelism: false,
        inputs: [...coreToolchainInputs(loc), executorInput(loc, 'ceiling')],
        outputs: [`{workspaceRoot}/${ceilingPath}`],
        options: { outputPath: ceilingPath, toolchainDir: loc.toolchainDir },
        metadata: { description: "Measure this machine's peak GEMM throughput (FP32, INT8)" },
      },
      zoo: {
        executor: '@tf2aif/nx:zoo',
        // not cached as a whole: each cell is a task of the zoo's own workspace, cached there
        cache: false,
        options: { toolchainDir: loc.toolchainDir, pluginDir: loc.pluginDir },
        metadata: { description: 'Add every zoo/zoo.json model as a user would, verify it on every platform, write dist/zoo/coverage.{json,md,html}' },
      },
      plan: {
        executor: '@tf2aif/nx:plan',
        cache: true,
        inputs: [
          ws(`${planInputsDir}/**/*`),
          '{workspaceRoot}/**/tf2aif.json',
          hashedPathsInput(loc, [`--only=${profileFiles.join(',')}`, `${distRoot}/variants`]),
          ws(`${loc.toolchainDir}/requirements.lock`),
          ws(`${loc.toolchainDir}/tf2aif_toolchain/plan.py`),
          ws(`${loc.toolchainDir}/tf2aif_toolchain/job.schema.json`),
          ws(`${loc.pluginDir}/src/plan/**/*.ts`),
          ws(`${loc.pluginDir}/src/report/**/*.ts`),
          ws(`${loc.pluginDir}/src/compose/**/*.ts`),
          ws(`${loc.pluginDir}/src/config/**/*.ts`),
          ws(`${loc.pluginDir}/platforms/**/*`),
          executorInput(loc, 'plan'),
          { externalDependencies: ['nx'] },
        ],
        outputs: [`{workspaceRoot}/${distRoot}/plan`],
        options: { outputPath: `${distRoot}/plan`, toolchainDir: loc.toolchainDir },
        metadata: { description: 'Place a variant of every model with slo targets on the fleet (plan/fleet.json) at the lowest cost or power: dist/plan/' },
      },
      report: {
        executor: '@tf2aif/nx:report',
        cache: false,
        dependsOn: ['ceiling'],
        outputs: [`{workspaceRoot}/${distRoot}/report`],
        options: { outputPath: `${distRoot}/report`, ceilingPath },
        metadata: { description: 'Aggregate every variant into dist/report (report.json, report.md, report.html)' },
      },
    },
  };
}
