import { makeStepExecutor } from '../make-step-executor';
import { exportJobSchema } from '../../settings/job-schemas';

export default makeStepExecutor('export', exportJobSchema);
