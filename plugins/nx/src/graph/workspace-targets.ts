import type { ProjectConfiguration } from '@nx/devkit';
import { coreToolchainInputs, executorInput, type TargetSettings } from './inputs';
import { distRoot } from './paths';

export const workspaceProjectName = 'tf2aif';
const ceilingPath = `${distRoot}/machine`;

/**
 * Workspace-level targets: `ceiling` (the machine's peak GEMM, measured on every run), `report`
 * (every variant's results in one place) and `zoo` (the model zoo's coverage matrix). `nx report` is Nx's own command: call it `nx run tf2aif:report`.
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
