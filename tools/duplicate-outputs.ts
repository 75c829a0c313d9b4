// Lists the tasks whose outputs in dist/ are byte-identical to another task's (an artifact computed or copied
// twice), after a cold run; exit 1 when there is one. Links and the compose step's image contexts (deployment
// copies by design) do not count. e2e/digits-all-platforms.e2e.spec.ts and e2e/zoo-slice.e2e.spec.ts assert the
// same on their runs.
//
//   bash tools/run-ts.sh tools/duplicate-outputs.ts            # this workspace's dist/
//   bash tools/run-ts.sh tools/duplicate-outputs.ts <dist> [--json]
import { join } from 'path';
import { findDuplicateOutputs, formatDuplicates } from '../e2e/support/duplicate-outputs';

const args = process.argv.slice(2);
const dist = args.find((a) => !a.startsWith('--')) ?? join(process.cwd(), 'dist');
const report = findDuplicateOutputs(dist);
console.log(args.includes('--json') ? JSON.stringify(report, null, 2) : formatDuplicates(report));
process.exitCode = report.duplicates.length > 0 ? 1 : 0;
