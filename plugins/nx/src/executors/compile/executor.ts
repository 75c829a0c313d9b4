import { makeStepExecutor } from '../make-step-executor';
import { compileJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('compile', compileJobSchema);
