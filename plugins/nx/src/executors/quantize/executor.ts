import { makeStepExecutor } from '../make-step-executor';
import { quantizeJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('quantize', quantizeJobSchema);
