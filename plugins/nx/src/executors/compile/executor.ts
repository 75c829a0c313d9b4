import { makeStepExecutor } from '../make-step-executor';
import { compileJobSchema } from '../../settings/job-schemas';
import { engineAddress } from '../../image/docker-engine';

export default makeStepExecutor('compile', compileJobSchema, () => ({ dockerHost: engineAddress() }));
