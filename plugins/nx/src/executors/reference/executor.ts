import { makeStepExecutor } from '../make-step-executor';
import { referenceJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('reference', referenceJobSchema);
