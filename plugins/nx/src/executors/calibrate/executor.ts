import { makeStepExecutor } from '../make-step-executor';
import { calibrateJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('calibrate', calibrateJobSchema);
