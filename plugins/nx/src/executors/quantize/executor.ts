import { makeStepExecutor } from '../make-step-executor';
import { quantizeOptionsSchema } from '../step-options';

export default makeStepExecutor('quantize', quantizeOptionsSchema);
