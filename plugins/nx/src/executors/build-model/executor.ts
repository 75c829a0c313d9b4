import { makeStepExecutor } from '../make-step-executor';
import { buildModelJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('build-model', buildModelJobSchema);
