import type { ExecutorContext } from '@nx/devkit';
import { rmSync, writeFileSync } from 'fs';
import { ConfigFileError } from '../utils/format-issues';
import { withAtomicOutput } from '../utils/atomic-output';
import { clearFailure, jobCopyFile, recordFailure } from './failure-record';
import { isNoise } from './log-filter';
import { ensurePythonToolchain, toolchainEnv, ToolchainMissingError } from './python-toolchain';

export interface StepOptions {
  outputPath: string;
  [key: string]: unknown;
}

/** Exit code the toolchain uses for errors the user can act on (the message says what to do). */
const USER_ERROR = 2;

export class StepFailedError extends Error {}

/**
 * Runs one step of the Python toolchain (`python -m tf2aif_toolchain <step>`) with the options as its
 * job file, streaming its progress, and moves its output into place only on success.
 */
export async function runToolchainStep(step: string, options: StepOptions, context: ExecutorContext) {
  return withAtomicOutput(context.root, options.outputPath, (outDir) => runPythonStep(step, options, context.root, outDir, context.projectName));
}

/** One toolchain step writing into `outDir` (the caller owns atomicity), progress streamed as it comes. */
export async function runPythonStep(
  step: string,
  options: Record<string, unknown>,
  workspaceRoot: string,
  outDir: string,
  project = '',
  extraEnv: Record<string, string> = {},
) {
  const toolchain = ensurePythonToolchain(workspaceRoot);
  const { execa } = await import('execa');
  const jobFile = `${outDir}.job.json`;
  const errorFile = `${outDir}.error.json`;
  writeFileSync(jobFile, JSON.stringify({ ...options, workspaceRoot }, null, 2));
  try {
    // tf2aif_toolchain.warm: the step as `-m tf2aif_toolchain` runs it, in a process forked from one that imported
    // TensorFlow already (about 4 s saved per step; TF2AIF_WARM=0 turns it off)
    const args = ['-m', 'tf2aif_toolchain.warm', step, '--job', jobFile, '--out', outDir, '--error-file', errorFile];
    const subprocess = execa(toolchain.python, args, {
      cwd: workspaceRoot,
      env: { ...toolchainEnv(toolchain), ...extraEnv },
      stdin: 'ignore',
      stdout: 'inherit',
      stderr: 'pipe',
      reject: false,
    });
    // progress arrives on stderr; pass it on line by line as it comes, without the native start-up noise
    for await (const line of subprocess.iterable({ from: 'stderr' })) {
      if (!isNoise(String(line))) process.stderr.write(`${String(line)}\n`);
    }
    const result = await subprocess;
    if (result.exitCode !== 0) {
      const signal = result.signal ?? null;
      const record = recordFailure(workspaceRoot, { project, step, exitCode: result.exitCode ?? null, signal, errorFile, outDir, jobFile });
      const why = result.exitCode === USER_ERROR ? 'see the tf2aif error above' : record.message;
      const output = typeof options.outputPath === 'string' ? options.outputPath : outDir;
      const env = toolchain.adaptersDir ? `TF2AIF_ADAPTERS=${toolchain.adaptersDir} ` : '';
      const replay =
        `TF_ENABLE_ONEDNN_OPTS=0 ${env}${toolchain.python} -m tf2aif_toolchain ${step} ` +
        `--job ${jobCopyFile(workspaceRoot, project, step)} --out <empty dir>`;
      throw new StepFailedError(`${step} of ${project} failed (${why}); nothing was written to ${output}\n  replay this step alone: ${replay}`);
    }
    clearFailure(workspaceRoot, project, step);
  } finally {
    rmSync(jobFile, { force: true });
    rmSync(errorFile, { force: true });
  }
}

/** An error whose message says what to do: shown as one line, never with a stack. */
type KnownError = abstract new (...args: never[]) => Error;

/**
 * Turns any failure into Nx's `{ success: false }` with one clear line, never a stack for known errors: a broken
 * tf2aif.json or options, a missing toolchain, a failed step, and what an executor names in `alsoKnown`.
 */
export async function asExecutorResult(run: () => Promise<unknown>, alsoKnown: KnownError[] = []): Promise<{ success: boolean }> {
  try {
    await run();
    return { success: true };
  } catch (e) {
    const known: KnownError[] = [ToolchainMissingError, StepFailedError, ConfigFileError, ...alsoKnown];
    if (known.some((k) => e instanceof k)) console.error(`✖ ${(e as Error).message}`);
    else console.error(e);
    return { success: false };
  }
}
