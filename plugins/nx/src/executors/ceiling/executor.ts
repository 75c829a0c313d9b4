import { makeStepExecutor } from '../make-step-executor';
import { z } from 'zod';

/** The machine's peak GEMM throughput (FP32, INT8): measured on every run, never cached. */
export default makeStepExecutor(
  'ceiling',
  z.looseObject({ outputPath: z.string().min(1), toolchainDir: z.string().min(1), gemm: z.array(z.number().int().positive()).length(3).optional() }),
);
