import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';

/**
 * The last failure of each (project, step), kept outside dist/ (a failed step writes nothing there): what
 * failed and why as data, the step's own JSON records (a failed verify's figures), and its job file, so the
 * step can be replayed by hand. A success removes the record; Nx never caches a failure, so a record is
 * always from the latest run of that step.
 */
export const failuresRoot = (workspaceRoot: string) => join(workspaceRoot, '.tf2aif', 'failures');

const failureDir = (workspaceRoot: string, project: string) => join(failuresRoot(workspaceRoot), project);
const recordFile = (workspaceRoot: string, project: string, step: string) => join(failureDir(workspaceRoot, project), `${step}.json`);
export const jobCopyFile = (workspaceRoot: string, project: string, step: string) => join(failureDir(workspaceRoot, project), `${step}.job.json`);

export const failureRecordSchema = z.object({
  project: z.string(),
  step: z.string(),
  /** user: the toolchain said what is wrong; crash: an unexpected exception; killed: a signal (a native crash) */
  kind: z.enum(['user', 'crash', 'killed']),
  message: z.string(),
  exitCode: z.number().nullable(),
  signal: z.string().nullable(),
  at: z.string(),
  /** JSON files the step had written before it failed (e.g. verify.json with the figures out of tolerance) */
  outputs: z.record(z.string(), z.unknown()),
});
export type FailureRecord = z.infer<typeof failureRecordSchema>;

const toolchainErrorSchema = z.object({ kind: z.enum(['user', 'crash']), message: z.string() });

function writtenJson(outDir: string): Record<string, unknown> {
  if (!existsSync(outDir)) return {};
  const found: Record<string, unknown> = {};
  for (const name of readdirSync(outDir).filter((n) => n.endsWith('.json'))) {
    try {
      found[name] = JSON.parse(readFileSync(join(outDir, name), 'utf8'));
    } catch {
      // a half-written record says nothing reliable
    }
  }
  return found;
}

/** Records a failed step from the toolchain's error file (absent when the process was killed). */
export function recordFailure(
  workspaceRoot: string,
  run: { project: string; step: string; exitCode: number | null; signal: string | null; errorFile: string; outDir: string; jobFile: string },
): FailureRecord {
  let reported: z.infer<typeof toolchainErrorSchema> | null = null;
  if (existsSync(run.errorFile)) {
    const parsed = toolchainErrorSchema.safeParse(JSON.parse(readFileSync(run.errorFile, 'utf8')));
    reported = parsed.success ? parsed.data : null;
  }
  const record: FailureRecord = {
    project: run.project,
    step: run.step,
    kind: reported?.kind ?? 'killed',
    message:
      reported?.message ??
      (run.signal
        ? `the toolchain process was killed by ${run.signal} (a crash inside a native library, or out of memory)`
        : `the toolchain process exited with code ${run.exitCode} without saying why`),
    exitCode: run.exitCode,
    signal: run.signal,
    at: new Date().toISOString(),
    outputs: writtenJson(run.outDir),
  };
  mkdirSync(failureDir(workspaceRoot, run.project), { recursive: true });
  writeFileSync(recordFile(workspaceRoot, run.project, run.step), JSON.stringify(record, null, 2) + '\n');
  if (existsSync(run.jobFile)) copyFileSync(run.jobFile, jobCopyFile(workspaceRoot, run.project, run.step));
  return record;
}

export function clearFailure(workspaceRoot: string, project: string, step: string) {
  rmSync(recordFile(workspaceRoot, project, step), { force: true });
  rmSync(jobCopyFile(workspaceRoot, project, step), { force: true });
}

export function readFailure(workspaceRoot: string, project: string, step: string): FailureRecord | null {
  const file = recordFile(workspaceRoot, project, step);
  if (!existsSync(file)) return null;
  const parsed = failureRecordSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  return parsed.success ? parsed.data : null;
}
