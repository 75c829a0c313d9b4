import { makeStepExecutor } from '../make-step-executor';
import { compileOptionsSchema } from '../step-options';

export default makeStepExecutor('compile', compileOptionsSchema);
