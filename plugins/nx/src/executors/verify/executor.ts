import { makeStepExecutor } from '../make-step-executor';
import { verifyJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('verify', verifyJobSchema);
