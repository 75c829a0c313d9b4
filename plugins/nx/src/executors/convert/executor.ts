import { makeStepExecutor } from '../make-step-executor';
import { convertOptionsSchema } from '../step-options';

export default makeStepExecutor('convert', convertOptionsSchema);
