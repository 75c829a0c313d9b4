import type { ExecutorContext } from '@nx/devkit';
import { parseTargetOptions } from '../graph/resolve-options';
import type { z } from 'zod';
import { asExecutorResult, runToolchainStep } from '../toolchain/run-step';

/** An Nx executor that checks its options with `schema` and runs one toolchain step with them. */
export function makeStepExecutor<S extends z.ZodType<{ outputPath: string }>>(step: string, schema: S) {
  return async function stepExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
    return asExecutorResult(async () => {
      const options = parseTargetOptions(schema, raw, context);
      await runToolchainStep(step, options, context);
    });
  };
}
