import { mixedPrecisionNote } from '../report/mixed-precision-note';
import { existsSync, readFileSync, readdirSync } from 'fs';
import { join } from 'path';
import { modelOutputDir, variantOutputDir } from '../settings/output-paths';
import { failuresRoot, readFailure, type FailureRecord } from '../toolchain/failure-record';
import { oneLine } from '../utils/one-line';
import type { ArtifactJson, VerifyJson } from '../report/variant-results';
import type { AddResult } from './add-models';
import type { ExportResult } from './export-models';

export const stages = ['export', 'add', 'build-model', 'convert', 'quantize', 'verify'] as const;
export type Stage = (typeof stages)[number];

export interface CellFigures {
  minCosine: number;
  maxAbsError: number;
  top1Agreement: number | null;
}

export interface Cell {
  model: string;
  platform: string;
  variant: string;
  status: 'verified' | 'failed';
  /** the first stage that failed (null when verified) */
  stage: Stage | null;
  /** one line: what failed (the op, layer or input) and what to do */
  reason: string | null;
  figures: CellFigures | null;
  /** convert + quantize + verify, as each step recorded it (a cached step keeps its first run's time) */
  seconds: number | null;
  /** how the variant was made where that differs from the platform's usual path */
  notes: string[];
  executedWith: string | null;
}

/** A step's JSON record, or null while it is absent or half-written: the zoo polls files that Nx may be
 * restoring from its cache at that moment (a restore is not atomic), and reads them again on the next poll. */
export function readJson(file: string): unknown {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    if (e instanceof SyntaxError) return null;
    throw e;
  }
}

/**
 * The fields of the toolchain's records a cell reads. They are read leniently (see readJson), not validated:
 * report/variant-results.ts validates verify.json and artifact.json in full for the report.
 */
interface VerifyRecord extends Partial<Pick<VerifyJson, 'passed' | 'executedWith' | 'outputs'>> {
  seconds?: number;
}

/** artifact.json of convert or quantize: its time, and what the converter recorded where it left the platform's usual path. */
interface ArtifactRecord extends Partial<Pick<ArtifactJson, 'seconds' | 'runtime'>> {
  convertedFrom?: string;
  staticBatch?: number;
  staticBatchReason?: string;
  scheme?: string;
  schemeReason?: string;
  fallback?: { from: string; ops: string[] };
  fixedShapes?: unknown;
  fixedShapesReason?: string;
}

/** model.json: how build-model prepared the model's graph. */
interface ModelRecord {
  preparation?: { inferenceModeLayers?: string[]; float16NodesToFloat32?: number; removedOps?: Record<string, unknown> };
}

/** A JSON record as the fields a cell reads, or null where it is none (absent, half-written, not an object). */
function asRecord<T extends object>(value: unknown): T | null {
  return typeof value === 'object' && value !== null ? (value as T) : null;
}

export function figuresOf(verify: VerifyRecord | null): CellFigures | null {
  const outputs = Object.values(verify?.outputs ?? {});
  if (outputs.length === 0) return null;
  const agreements = outputs.map((o) => o.top1Agreement).filter((a): a is number => typeof a === 'number');
  return {
    minCosine: Math.min(...outputs.map((o) => o.minCosine)),
    maxAbsError: Math.max(...outputs.map((o) => o.maxAbsError)),
    top1Agreement: agreements.length ? Math.min(...agreements) : null,
  };
}

/** Differences from the platform's usual path that a converter recorded (static batch, dynamic-range INT8, ...);
 * quantize carries its convert's record forward, so a note appears once. */
function notesOf(convert: ArtifactRecord | null, quantize: ArtifactRecord | null, model: ModelRecord | null): string[] {
  const notes: string[] = [];
  const prepared = model?.preparation;
  if (prepared?.inferenceModeLayers?.length) notes.push(`exported in inference mode (${prepared.inferenceModeLayers.join(', ')} active by default)`);
  if (convert?.convertedFrom === 'prepared_model') {
    if (prepared?.float16NodesToFloat32)
      notes.push(`converted from a float32 preparation of its float16 compute (${prepared.float16NodesToFloat32} nodes)`);
    const removed = Object.keys(prepared?.removedOps ?? {});
    if (removed.length) notes.push(`prepared graph leaves out ops no output needs (${removed.join(', ')})`);
  }
  for (const meta of [convert, quantize]) {
    if (!meta) continue;
    if (meta.staticBatch) notes.push(`converted at static batch ${meta.staticBatch}${meta.staticBatchReason ? ` (${meta.staticBatchReason})` : ''}`);
    if (meta.scheme && meta.scheme !== 'full-integer') notes.push(`${meta.scheme} INT8${meta.schemeReason ? `: ${meta.schemeReason}` : ''}`);
    if (meta.fallback)
      notes.push(`runs on ${meta.runtime}, fallback from ${meta.fallback.from}: ${meta.fallback.ops.join(', ')} not supported there`);
    if (meta.fixedShapes) notes.push(`input shapes fixed at ${JSON.stringify(meta.fixedShapes)} (${meta.fixedShapesReason})`);
    const mixed = mixedPrecisionNote(meta);
    if (mixed) notes.push(mixed);
  }
  return [...new Set(notes)];
}

export const notRun = 'Nx did not run this step (see the zoo log)';

const fresh = (record: FailureRecord | null, since: Date) => (record && new Date(record.at) >= since ? record : null);

/** A failure of one of the model's shared steps (its exports, its calibrations): the variants that start from them
 * did not run, and the cell says why. */
function sharedFailure(scratchRoot: string, model: string, since: Date): FailureRecord | null {
  const root = failuresRoot(scratchRoot);
  if (!existsSync(root)) return null;
  for (const project of readdirSync(root)) {
    for (const [prefix, step] of [
      [`${model}-export-`, 'export'],
      [`${model}-calibrate-`, 'calibrate'],
    ] as const) {
      const record = project.startsWith(prefix) ? fresh(readFailure(scratchRoot, project, step), since) : null;
      if (record) return record;
    }
  }
  return null;
}

/** One cell from what the run left: the step outputs in dist/, or the failure records of this run. */
export function collectCell(
  scratchRoot: string,
  model: string,
  platform: string,
  since: Date,
  exported: ExportResult | undefined,
  added: AddResult | undefined,
): Cell {
  const variant = `${model}-${platform}`;
  const base = { model, platform, variant, figures: null, seconds: null, notes: [] as string[], executedWith: null };
  if (!exported?.ok) return { ...base, status: 'failed', stage: 'export', reason: oneLine(exported ? exported.message : 'not exported') };
  if (!added?.ok) return { ...base, status: 'failed', stage: 'add', reason: oneLine(added ? added.message : 'not added') };

  const step = (s: string) => readJson(join(scratchRoot, variantOutputDir(variant, s), s === 'verify' ? 'verify.json' : 'artifact.json'));
  const [convert, quantize, verify] = [
    asRecord<ArtifactRecord>(step('convert')),
    asRecord<ArtifactRecord>(step('quantize')),
    asRecord<VerifyRecord>(step('verify')),
  ];
  const seconds = [convert?.seconds, quantize?.seconds, verify?.seconds].filter((s): s is number => typeof s === 'number');
  const timing = seconds.length ? Math.round(seconds.reduce((a, b) => a + b, 0) * 10) / 10 : null;
  const notes = notesOf(convert, quantize, asRecord<ModelRecord>(readJson(join(scratchRoot, modelOutputDir(model), 'model.json'))));
  if (verify?.passed) {
    return {
      ...base,
      status: 'verified',
      stage: null,
      reason: null,
      figures: figuresOf(verify),
      seconds: timing,
      notes,
      executedWith: verify.executedWith ?? null,
    };
  }
  const failures: Array<[Stage, FailureRecord | null]> = [
    ['build-model', fresh(readFailure(scratchRoot, model, 'build-model'), since)],
    ['convert', fresh(readFailure(scratchRoot, variant, 'convert'), since) ?? (convert ? null : sharedFailure(scratchRoot, model, since))],
    ['quantize', fresh(readFailure(scratchRoot, variant, 'quantize'), since)],
    ['verify', fresh(readFailure(scratchRoot, variant, 'verify'), since) ?? fresh(readFailure(scratchRoot, model, 'reference'), since)],
  ];
  const first = failures.find(([, r]) => r !== null);
  if (!first) {
    const stage: Stage = !existsSync(join(scratchRoot, modelOutputDir(model), 'model.json')) ? 'build-model' : !convert ? 'convert' : 'verify';
    return { ...base, status: 'failed', stage, reason: notRun, seconds: timing, notes };
  }
  const [stage, record] = first;
  const failedVerify = asRecord<VerifyRecord>(record!.outputs['verify.json']);
  return {
    ...base,
    status: 'failed',
    stage,
    reason: oneLine(record!.message),
    figures: failedVerify ? figuresOf(failedVerify) : null,
    seconds: timing,
    notes,
    executedWith: failedVerify?.executedWith ?? null,
  };
}
