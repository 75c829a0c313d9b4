import { makeStepExecutor } from '../make-step-executor';
import { verifyOptionsSchema } from '../step-options';

export default makeStepExecutor('verify', verifyOptionsSchema);
