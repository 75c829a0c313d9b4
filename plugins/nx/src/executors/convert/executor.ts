import { makeStepExecutor } from '../make-step-executor';
import { convertJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('convert', convertJobSchema);
