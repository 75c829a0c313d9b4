import type { ExecutorContext } from '@nx/devkit';
import { existsSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { parseOrThrow } from '../../utils/format-issues';
import { buildReport, type Ceiling } from '../../report/build-report';
import { variantFactsFromGraph } from '../../report/graph-facts';
import { htmlReport } from '../../report/html';
import { markdownReport } from '../../report/markdown';
import { readVariantResult } from '../../report/variant-results';
import { asExecutorResult } from '../../toolchain/run-step';
import { totalsLine, type Coverage } from '../../zoo/coverage-report';
import type { Plan } from '../../plan/explain';
import { planShown } from '../../plan/plan-html';
import { withAtomicOutput } from '../../utils/atomic-output';

const optionsSchema = z.looseObject({ outputPath: z.string().min(1), ceilingPath: z.string().min(1) });
const ceilingSchema = z.looseObject({
  machine: z.object({ cpu: z.string(), cores: z.number(), arch: z.string() }),
  fp32Gflops: z.number(),
  fp32Kernel: z.string(),
  int8Gops: z.number(),
  int8Kernel: z.string().optional(),
  isa: z.string().optional(),
  theoretical: z.object({ fp32Gflops: z.number().nullable(), int8Gops: z.number().nullable(), basis: z.string() }).optional(),
});

/** The zoo's totals line, when `nx run tf2aif:zoo` wrote a coverage matrix next to the report. */
function zooSummary(root: string) {
  const file = join(root, 'dist', 'zoo', 'coverage.json');
  if (!existsSync(file)) return {};
  const coverage = JSON.parse(readFileSync(file, 'utf8')) as Coverage;
  return {
    zoo: {
      page: '../zoo/coverage.html',
      summary: `${totalsLine(coverage)}, ${coverage.models.length} models x ${coverage.platforms.length} platforms (${coverage.generatedAt})`,
    },
  };
}

/** The deployment plan, when `nx run tf2aif:plan` wrote one next to the report (report.json carries it whole). */
function readPlan(root: string): { page: string; plan: Plan } | null {
  const file = join(root, 'dist', 'plan', 'plan.json');
  if (!existsSync(file)) return null;
  return { page: '../plan/plan.md', plan: JSON.parse(readFileSync(file, 'utf8')) as Plan };
}

/** dist/report/: report.json (one profile per variant), report.md and report.html, from what the targets wrote. */
export default async function reportExecutor(raw: unknown, context: ExecutorContext) {
  return asExecutorResult(async () => {
    const o = parseOrThrow(optionsSchema, raw, `options of ${context.projectName}:report`);
    const facts = variantFactsFromGraph(context.projectGraph!, context.root);
    const results = new Map(facts.map((f) => [f.variant, readVariantResult(context.root, f.variant)]));
    const ceilingFile = join(context.root, o.ceilingPath, 'ceiling.json');
    const ceiling: Ceiling | null = existsSync(ceilingFile)
      ? parseOrThrow(ceilingSchema, JSON.parse(readFileSync(ceilingFile, 'utf8')), ceilingFile)
      : null;
    const plan = readPlan(context.root);
    const report = { ...buildReport(facts, results, ceiling), ...zooSummary(context.root), ...(plan ? { plan } : {}) };
    const shown = plan ? planShown(plan.plan, plan.page) : undefined;
    await withAtomicOutput(context.root, o.outputPath, async (dir) => {
      writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2) + '\n');
      writeFileSync(join(dir, 'report.md'), markdownReport(report, shown));
      writeFileSync(join(dir, 'report.html'), htmlReport(report, shown));
    });
    const measured = report.variants.filter((v) => v.stages.bench === 'measured').length;
    console.log(`report: ${report.variants.length} variants (${measured} measured here) -> ${o.outputPath}/report.{json,md,html}`);
    for (const g of report.goals) console.log(`  ${g.met === null ? '·' : g.met ? '✔' : '✖'} ${g.goal}: ${g.measured}`);
  });
}
