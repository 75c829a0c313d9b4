import { existsSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { variantOutputDir } from '../settings/output-paths';
import { collectCell, notRun, type Cell } from './coverage';
import type { AddResult } from './add-models';
import type { ExportResult } from './export-models';
import { runScratchNx } from './scratch-nx';

const writtenSince = (file: string, since: Date) => existsSync(file) && statSync(file).mtime >= since;

export interface CellRunContext {
  scratchRoot: string;
  parallel: number;
  logFile: string;
  since: Date;
  exports: Map<string, ExportResult>;
  added: Map<string, AddResult>;
  /** one line per finished cell */
  onCell: (cell: Cell, cached: boolean) => void;
}

/**
 * Verifies the runnable cells with one `nx run-many -t verify` in the scratch workspace (Nx schedules, parallelizes
 * and caches the steps), and reports each cell as it finishes, from the files the steps leave: Nx's piped output is
 * kept in the log only (it can drop lines of parallel tasks).
 */
export async function runCells(ctx: CellRunContext, cells: Array<{ model: string; platform: string }>): Promise<Cell[]> {
  const done = new Map<string, Cell>();
  const cached = new Set<string>();
  const key = (c: { model: string; platform: string }) => `${c.model}-${c.platform}`;
  const collect = (c: { model: string; platform: string }) =>
    collectCell(ctx.scratchRoot, c.model, c.platform, ctx.since, ctx.exports.get(c.model), ctx.added.get(c.model));
  const report = (c: { model: string; platform: string }, cell: Cell) => {
    done.set(key(c), cell);
    ctx.onCell(cell, cached.has(cell.variant));
  };
  const poll = (among: typeof cells) => {
    for (const c of among) {
      if (done.has(key(c))) continue;
      const cell = collect(c);
      // finished: verified in this run (written now, or answered by the cache), or a step of it failed in this run
      const verifiedNow =
        cell.status === 'verified' &&
        (cached.has(cell.variant) || writtenSince(join(ctx.scratchRoot, variantOutputDir(cell.variant, 'verify'), 'verify.json'), ctx.since));
      if (verifiedNow || (cell.status === 'failed' && cell.reason !== notRun)) report(c, cell);
    }
  };

  const runnable = cells.filter((c) => ctx.exports.get(c.model)?.ok && ctx.added.get(c.model)?.ok);
  for (const c of cells.filter((c) => !runnable.includes(c))) report(c, collect(c));
  if (runnable.length === 0) return cells.map((c) => done.get(key(c))!);
  // every cell in one run-many: Nx keeps every core busy across models (one model at a time left cores idle while
  // a model's slowest cell, an INT8 search of many minutes, ran alone); cells are reported as they finish
  const timer = setInterval(() => poll(runnable), 2000);
  try {
    const args = ['run-many', '-t', 'verify', `--projects=${runnable.map(key).join(',')}`, `--parallel=${ctx.parallel}`, '--output-style=static'];
    writeFileSync(ctx.logFile, `\n== nx ${args.slice(0, 3).join(' ')} (${runnable.length} cells)\n`, { flag: 'a' });
    const run = await runScratchNx(ctx.scratchRoot, args, (line) => {
      writeFileSync(ctx.logFile, `${line}\n`, { flag: 'a' });
      const hit = /nx run ([^\s:]+):verify\s+\[(local cache|remote cache|existing outputs match the cache)/.exec(line);
      if (hit) cached.add(hit[1]);
    });
    // Nx itself failed (a broken graph, a missing package): its error is the reason of every cell it left
    const nxError =
      run.exitCode !== 0
        ? run.output
            .split('\n')
            .map((l) => l.trim())
            .find((l) => /^NX\s+\S/.test(l) && !/Running target|Ran target/.test(l))
        : undefined;
    for (const c of runnable) {
      if (done.has(key(c))) continue;
      const cell = collect(c);
      report(c, nxError && cell.reason === notRun ? { ...cell, reason: `nx run-many failed: ${nxError.replace(/^NX\s+/, '')}` } : cell);
    }
  } finally {
    clearInterval(timer);
  }
  return cells.map((c) => done.get(key(c))!);
}
