import { createHash } from 'crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import type { ExportResult } from './export-models';
import { exportsDir } from './export-models';
import { runScratchNx } from './scratch-nx';
import type { ZooCatalog, ZooModel } from './zoo-catalog';

export type AddResult = { ok: true; cached: boolean } | { ok: false; message: string };

const flag = (name: string, value: unknown) => (value === undefined ? [] : [`--${name}=${String(value)}`]);

/** The `nx g` commands a user would type to add this model with the zoo's platform columns. */
export function generatorCommands(m: ZooModel, source: string, platforms: ZooCatalog['platforms']): string[][] {
  const plain = Object.entries(platforms)
    .filter(([, o]) => Object.keys(o).length === 0)
    .map(([k]) => k);
  const commands = [
    [
      'g',
      '@tf2aif/nx:model',
      m.name,
      `--source=${source}`,
      '--trained=false',
      `--task=${m.task}`,
      `--platforms=${plain.join(',')}`,
      ...flag('shapes', m.shapes),
    ],
  ];
  for (const [key, o] of Object.entries(platforms)) {
    if (Object.keys(o).length === 0) continue;
    commands.push([
      'g',
      '@tf2aif/nx:variant',
      m.name,
      `--add=${key}`,
      ...flag('platform', o.platform),
      ...flag('runtime', o.runtime),
      ...flag('precision', o.precision),
      ...flag('batchSize', o.batchSize),
      ...flag('ioType', o.ioType),
    ]);
  }
  return commands;
}

/**
 * Adds each exported model to the scratch workspace with the plugin's own generators, through the Nx CLI, as its
 * export finishes: `add` queues one, the adds run one at a time (generators of one workspace must not race) while
 * the other exports go on, and `done` waits for them all. Kept while its export and the columns are unchanged.
 */
export function addQueue(ctx: { scratchRoot: string; log: (line: string) => void; logFile: string }, catalog: ZooCatalog) {
  const results = new Map<string, AddResult>();
  let queue = Promise.resolve();
  return {
    add(m: ZooModel, exported: ExportResult) {
      if (!exported.ok) return;
      // a throw (nx could not be started) is that model's failed add: a rejected queue would skip the adds after it
      // and, unawaited until done(), end the process as an unhandled rejection
      queue = queue.then(async () => {
        results.set(m.name, await addModel(ctx, catalog, m, exported).catch((e: unknown) => ({ ok: false as const, message: String(e) })));
      });
    },
    async done(): Promise<Map<string, AddResult>> {
      await queue;
      return results;
    },
  };
}

async function addModel(
  ctx: { scratchRoot: string; log: (line: string) => void; logFile: string },
  catalog: ZooCatalog,
  m: ZooModel,
  exported: Extract<ExportResult, { ok: true }>,
): Promise<AddResult> {
  const key = createHash('sha256')
    .update(JSON.stringify([exported.key, catalog.platforms, m.task]))
    .digest('hex');
  const stamp = join(exportsDir(ctx.scratchRoot, m.name), 'added');
  const config = join(ctx.scratchRoot, 'models', m.name, 'tf2aif.json');
  if (existsSync(config) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key) return { ok: true, cached: true };
  ctx.log(`adding ${m.name}: nx g @tf2aif/nx:model, then a variant per platform column`);
  rmSync(join(ctx.scratchRoot, 'models', m.name), { recursive: true, force: true });
  rmSync(stamp, { force: true });
  const source = relative(ctx.scratchRoot, join(exportsDir(ctx.scratchRoot, m.name), exported.artifact));
  for (const command of generatorCommands(m, source, catalog.platforms)) {
    const run = await runScratchNx(ctx.scratchRoot, [...command, '--no-interactive']);
    writeFileSync(ctx.logFile, `\n== nx ${command.join(' ')}\n${run.output}\n`, { flag: 'a' });
    if (run.exitCode !== 0) {
      const lines = run.output
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('NX ') && l !== 'NX');
      return {
        ok: false,
        message: `nx ${command.slice(0, 2).join(' ')} failed: ${lines.find((l) => /error|fail|must|not/i.test(l)) ?? lines.at(-1) ?? ''}`,
      };
    }
  }
  writeFileSync(stamp, key);
  return { ok: true, cached: false };
}
