import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { ensurePythonToolchain, toolchainEnv, toolchainManifest } from '../toolchain/python-toolchain';
import { mapLimit } from '../utils/map-limit';
import type { ZooModel } from './zoo-catalog';

export type ExportResult =
  { ok: true; key: string; artifact: string; seconds: number; cached: boolean } | { ok: false; key: string; message: string };

const stampSchema = z.object({ key: z.string(), artifact: z.string(), seconds: z.number() });

export const exportsDir = (scratchRoot: string, model: string) => join(scratchRoot, 'exports', model);

/** What an export depends on: the builder and exporter code, the model's entry, the pinned toolchain. */
export function exportKey(workspaceRoot: string, m: ZooModel): string {
  const hash = createHash('sha256');
  for (const file of [join('zoo', 'builders', `${m.builder}.py`), join('zoo', 'export.py')]) {
    hash.update(file).update(readFileSync(join(workspaceRoot, file)));
  }
  return hash
    .update(toolchainManifest().lock.sha256)
    .update(JSON.stringify([m.args, m.export, m.seed]))
    .digest('hex');
}

/**
 * Each model exported as its user would hand it over (a SavedModel folder or a .keras file), by
 * zoo/export.py with the managed toolchain; an export whose inputs did not change is kept.
 */
export async function exportModels(
  ctx: { workspaceRoot: string; scratchRoot: string; parallel: number; log: (line: string) => void; logFile: string },
  models: ZooModel[],
  onExported: (m: ZooModel, result: ExportResult) => void = () => undefined,
): Promise<Map<string, ExportResult>> {
  const toolchain = ensurePythonToolchain(ctx.workspaceRoot);
  const { execa } = await import('execa');
  const results = await mapLimit(models, ctx.parallel, async (m) => {
    const result = await exportModel(ctx, m, toolchain, execa);
    onExported(m, result);
    return result;
  });
  return new Map(models.map((m, i) => [m.name, results[i]]));
}

async function exportModel(
  ctx: { workspaceRoot: string; scratchRoot: string; logFile: string; log: (line: string) => void },
  m: ZooModel,
  toolchain: ReturnType<typeof ensurePythonToolchain>,
  execa: typeof import('execa').execa,
): Promise<ExportResult> {
  const key = exportKey(ctx.workspaceRoot, m);
  const dir = exportsDir(ctx.scratchRoot, m.name);
  const stampFile = join(dir, 'export.json');
  if (existsSync(stampFile)) {
    const stamp = stampSchema.safeParse(JSON.parse(readFileSync(stampFile, 'utf8')));
    if (stamp.success && stamp.data.key === key && existsSync(join(dir, stamp.data.artifact))) {
      return { ok: true, key, artifact: stamp.data.artifact, seconds: stamp.data.seconds, cached: true };
    }
  }
  ctx.log(`exporting ${m.name} (${m.builder}${Object.keys(m.args).length ? ` ${JSON.stringify(m.args)}` : ''}, ${m.export})`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = Date.now();
  const run = await execa(
    toolchain.python,
    [
      join('zoo', 'export.py'),
      '--builder',
      join('zoo', 'builders', `${m.builder}.py`),
      '--args',
      JSON.stringify(m.args),
      '--format',
      m.export,
      '--seed',
      String(m.seed),
      '--out',
      tmp,
    ],
    { cwd: ctx.workspaceRoot, env: toolchainEnv(toolchain), reject: false, all: true, stdin: 'ignore' },
  );
  writeFileSync(ctx.logFile, `\n== export ${m.name}\n${run.all ?? ''}\n`, { flag: 'a' });
  if (run.exitCode !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const lines = (run.all ?? '')
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const message = lines.at(-1) ?? `exit code ${run.exitCode ?? run.signal}`;
    return { ok: false, key, message: `export failed: ${message}` };
  }
  const artifact = z.object({ artifact: z.string() }).parse(JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '{}')).artifact;
  const seconds = Math.round((Date.now() - started) / 100) / 10;
  writeFileSync(join(tmp, 'export.json'), JSON.stringify({ key, artifact, seconds }, null, 2) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { ok: true, key, artifact, seconds, cached: false };
}
