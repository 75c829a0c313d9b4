import type { ExecutorContext } from '@nx/devkit';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { parseOrThrow } from '../../utils/format-issues';
import { asExecutorResult } from '../../toolchain/run-step';
import { withAtomicOutput } from '../../utils/atomic-output';
import { defaultParallelism } from '../../utils/parallelism';
import { addQueue } from '../../zoo/add-models';
import type { Cell } from '../../zoo/coverage';
import { coverageHtml } from '../../zoo/coverage-html';
import { coverageMarkdown } from '../../zoo/coverage-markdown';
import { buildCoverage, totalsLine } from '../../zoo/coverage-report';
import { exportModels } from '../../zoo/export-models';
import { runCells } from '../../zoo/run-cells';
import { prepareScratchWorkspace } from '../../zoo/scratch-workspace';
import { loadZooCatalog, selectCells } from '../../zoo/zoo-catalog';

const optionsSchema = z.looseObject({
  catalog: z.string().min(1).default('zoo/zoo.json'),
  workspace: z.string().min(1).default('.tf2aif/zoo').describe('the scratch workspace, kept between runs (its Nx cache makes a rerun resume)'),
  outputPath: z.string().min(1).default('dist/zoo'),
  models: z.string().optional().describe('comma-separated model names'),
  platforms: z.string().optional().describe('comma-separated platform columns'),
  slice: z.string().optional().describe('a named slice of the catalog, e.g. ci'),
  parallel: z.number().int().positive().optional(),
  failUnder: z.number().min(0).max(1).default(0).describe('fail when the share of verified cells is below this'),
  cacheSize: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB)?$/i, 'must be a size such as "60GB" (Nx maxCacheSize)')
    .optional()
    .describe("the scratch workspace's Nx maxCacheSize; the full zoo's step outputs take about 19 GB per version of the toolchain"),
});

const elapsed = (start: number) => {
  const s = Math.round((Date.now() - start) / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

function describeCell(cell: Cell): string {
  if (cell.status === 'verified') {
    const f = cell.figures;
    return `verified${f ? ` (min cosine ${f.minCosine.toFixed(4)})` : ''}${cell.seconds !== null ? `, ${cell.seconds} s` : ''}`;
  }
  return `FAILED at ${cell.stage}: ${cell.reason}`;
}

/**
 * `nx run tf2aif:zoo`: every catalog model added as a user adds one, in a scratch workspace, and verified on
 * every platform column; writes dist/zoo/coverage.{json,md,html}. Failing cells are findings, not a failure
 * of the run, unless --failUnder says otherwise.
 */
export default async function zooExecutor(raw: unknown, context: ExecutorContext) {
  let passed = true;
  const result = await asExecutorResult(async () => {
    const o = parseOrThrow(optionsSchema, raw, `options of ${context.projectName}:zoo`);
    const started = Date.now();
    const since = new Date(started);
    const catalog = loadZooCatalog(context.root, o.catalog);
    const { models, platforms } = selectCells(catalog, o);
    const parallel = o.parallel ?? defaultParallelism();
    const total = models.length * platforms.length;
    const scratchRoot = prepareScratchWorkspace(context.root, o.workspace, o.cacheSize);
    const logFile = join(scratchRoot, 'zoo.log');
    writeFileSync(logFile, `tf2aif zoo run ${since.toISOString()}\n`);
    const log = (line: string) => console.log(`[zoo ${elapsed(started)}] ${line}`);
    log(
      `${models.length} models x ${platforms.length} platforms = ${total} cells, ${parallel} at a time; ` +
        `workspace ${o.workspace}, full log ${o.workspace}/zoo.log`,
    );

    // each model is added as soon as its export is written, while the next exports run (a full zoo: 4 min of
    // exports, then 2 min of adds one after the other, before)
    const adds = addQueue({ scratchRoot, log, logFile }, catalog);
    const exports = await exportModels({ workspaceRoot: context.root, scratchRoot, parallel, log, logFile }, models, adds.add);
    const added = await adds.done();
    let finished = 0;
    const cells = await runCells(
      {
        scratchRoot,
        parallel,
        logFile,
        since,
        exports,
        added,
        onCell: (cell, cached) =>
          log(
            `${String(++finished).padStart(String(total).length)}/${total} ${cell.model} x ${cell.platform}: ` +
              `${describeCell(cell)}${cached ? ' [cache]' : ''}`,
          ),
      },
      models.flatMap((m) => platforms.map((p) => ({ model: m.name, platform: p }))),
    );

    const coverage = buildCoverage(models, platforms, cells, (Date.now() - started) / 1000, o.slice ?? null);
    await withAtomicOutput(context.root, o.outputPath, async (dir) => {
      writeFileSync(join(dir, 'coverage.json'), JSON.stringify(coverage, null, 2) + '\n');
      writeFileSync(join(dir, 'coverage.md'), coverageMarkdown(coverage));
      writeFileSync(join(dir, 'coverage.html'), coverageHtml(coverage));
    });
    log(`${totalsLine(coverage)} in ${elapsed(started)} -> ${o.outputPath}/coverage.{json,md,html}`);
    for (const c of cells.filter((x) => x.status === 'failed')) console.log(`  ✖ ${c.variant} (${c.stage}): ${c.reason}`);
    if (coverage.totals.verifiedShare < o.failUnder) {
      console.error(`✖ ${(coverage.totals.verifiedShare * 100).toFixed(1)}% of cells verified, below --failUnder=${o.failUnder}`);
      passed = false;
    }
  });
  return { success: result.success && passed };
}
