// Prints what the main job produced: one row per variant from dist/variants/*/{convert,quantize,verify}.
import { formatSummaryTable } from '../src/report/summary-table';
import { collectVariantResults } from '../src/report/variant-results';

const results = collectVariantResults(process.cwd());
if (results.length === 0) {
  console.log('No variants under dist/variants yet: run `npx nx run-many -t verify` first.');
} else {
  console.log(formatSummaryTable(results));
  for (const r of results) for (const p of r.problems) console.log(`! ${p}`);
}
