import type { ExecutorContext } from '@nx/devkit';
import { parseTargetOptions } from '../settings/resolve-settings';
import type { z } from 'zod';
import { asExecutorResult, runToolchainStep } from '../toolchain/run-step';

/**
 * An Nx executor that checks its options with `schema` and runs one toolchain step with them. `machine`: settings
 * of this machine rather than of the target (the Docker engine's address), read when the step runs; they are not
 * part of the task's hash, as Nx hashes the target's options, and a command-line option overrides them.
 */
export function makeStepExecutor<S extends z.ZodType<{ outputPath: string }>>(
  step: string,
  schema: S,
  machine: () => Record<string, unknown> = () => ({}),
) {
  return async function stepExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
    return asExecutorResult(async () => {
      const options = parseTargetOptions(schema, { ...machine(), ...(raw as Record<string, unknown>) }, context);
      await runToolchainStep(step, options, context);
    });
  };
}
