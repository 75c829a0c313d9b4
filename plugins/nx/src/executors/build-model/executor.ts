import { makeStepExecutor } from '../make-step-executor';
import { buildModelOptionsSchema } from '../step-options';

export default makeStepExecutor('build-model', buildModelOptionsSchema);
