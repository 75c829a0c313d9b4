import { makeStepExecutor } from '../make-step-executor';
import { ceilingJobSchema } from '../../settings/job-schemas';

/** The machine's peak GEMM throughput (FP32, INT8): measured on every run, never cached. */
export default makeStepExecutor('ceiling', ceilingJobSchema);
