import { oneLine } from '../utils/one-line';
import { mixedPrecisionNote } from './mixed-precision-note';
import type { VariantResult } from './variant-results';

/** What the project graph says about a variant (from its bench target's options). */
export interface VariantFacts {
  variant: string;
  model: string;
  platform: string;
  title: string;
  hardware: string;
  arch: string;
  runtime: string;
  precision: string;
  batchSize: number;
  runsOn: string;
  baselineOf?: string;
}

export interface Ceiling {
  machine: { cpu: string; cores: number; arch: string };
  fp32Gflops: number;
  fp32Kernel: string;
  int8Gops: number;
  int8Kernel?: string;
  /** the widest vector ISA the CPU has (AVX-512 VNNI, AVX2, ...): speedups depend on it */
  isa?: string;
  /** the ISA's upper bound: logical cores x clock x operations per cycle */
  theoretical?: { fp32Gflops: number | null; int8Gops: number | null; basis: string };
}

/** One profile per variant: what a scheduler needs to place it, and what a person needs to trust it. */
export interface VariantProfile extends VariantFacts {
  stages: { converted: boolean; verified: boolean | null; compiled: boolean; image: string | null; bench: 'measured' | 'not-run' | 'missing' };
  notes: string[];
  artifact: { format: string | null; sizeBytes: number; makeSeconds: number; toolchain: Record<string, string> } | null;
  accuracy: {
    minCosine: number;
    top1Agreement: number | null;
    iouAgreement: number | null;
    referenceAccuracy: number | null;
    variantAccuracy: number | null;
    deltaPoints: number | null;
    samples: number;
    trained: boolean;
  } | null;
  latencyMs: { p50: number; p90: number; p99: number; stable: boolean } | null;
  inProcessLatencyMs: { p50: number } | null;
  serverOverhead: number | null;
  throughput: {
    batch: number;
    perSecond: number;
    /** closed-loop clients of the THR run (by Little's law, their mean latency is concurrency / perSecond) */
    concurrency: number | null;
    inProcessPerSecond: number | null;
    shareOfInProcess: number | null;
    stable: boolean;
  } | null;
  speedup: { vsTfFunction: number; vsModelPredict: number | null } | null;
  baselineLatencyMs: { tfFunction: number; modelPredict: number | null } | null;
  achievedGflops: number | null;
  shareOfPeak: number | null;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean | null;
}

export interface Report {
  generatedAt: string;
  machine: Ceiling | null;
  variants: VariantProfile[];
  goals: Goal[];
  /** the model zoo's coverage, when `nx run tf2aif:zoo` has written one */
  zoo?: { page: string; summary: string };
}

/**
 * The deployment plan as the report shows it, when `nx run tf2aif:plan` has written one: its page, a summary line
 * and report.html's section. plan/ renders them (plan/plan-html.ts): the plan is made from this report's profiles,
 * so the report never reads a plan.
 */
export interface PlanShown {
  page: string;
  summary: string;
  html: string;
}

function profile(f: VariantFacts, r: VariantResult | undefined, ceiling: Ceiling | null): VariantProfile {
  const notes: string[] = [...(r?.problems ?? [])];
  const c = r?.convert;
  const v = r?.verify;
  const b = r?.bench;
  if (r?.failure && !(r.failure.step === 'compile' ? r.compile : v)) notes.push(`${r.failure.step} failed: ${oneLine(r.failure.message, 240)}`);
  else if (!c) notes.push(`not converted yet (nx run ${f.variant}:convert)`);
  else if (!v) notes.push(`not verified yet (nx run ${f.variant}:verify)`);
  if (v && !v.trained) notes.push('untrained model (seeded random weights): agreement with the original is measured, accuracy is not');
  if (b?.status === 'not-run') notes.push(`not benchmarked here: ${b.reason}`);
  else if (!b && v) notes.push(`not benchmarked yet (nx run ${f.variant}:bench)`);
  if (b?.latency && !b.latency.http.stable) notes.push('latency did not stabilise within the time bound (3 windows within 10%)');
  const fallback = c?.fallback as { from: string; ops: string[] } | undefined;
  if (fallback) notes.push(`runs on ${c!.runtime}, the platform's fallback: ${fallback.from} cannot run ${fallback.ops.join(', ')}`);
  const mixed = mixedPrecisionNote(c);
  if (mixed) notes.push(`${mixed} (full INT8 missed the verify tolerance; the float layers run as the platform's runtime runs them)`);

  const first = v ? Object.values(v.outputs)[0] : undefined;
  const measured = b?.status === 'measured' ? b : undefined;
  const gflops = measured?.achievedGflops?.batch1 ?? null;
  const peak = ceiling ? (f.precision === 'int8' ? ceiling.int8Gops : ceiling.fp32Gflops) : null;
  if (gflops !== null && peak && gflops > peak) {
    // the ceiling is a measurement of the fastest kernel found: a variant above it means a faster kernel exists
    const kernel = f.precision === 'int8' ? (ceiling!.int8Kernel ?? 'unnamed') : ceiling!.fp32Kernel;
    notes.push(
      `achieves ${pct(gflops / peak)} of the measured ceiling (${peak} G${f.precision === 'int8' ? 'OP' : 'FLOP'}/s, ${kernel}): ` +
        'the ceiling is wrong, not the variant (a faster kernel than tf2aif:ceiling measures exists)',
    );
  }
  return {
    ...f,
    runtime: c?.runtime ?? f.runtime, // the runtime the artifact is for (a fallback's, where convert switched)
    stages: {
      converted: Boolean(c),
      verified: v ? v.passed : null,
      compiled: Boolean(r?.compile),
      image: r?.image?.server.tag ?? null,
      bench: b ? b.status : 'missing',
    },
    notes,
    artifact: c
      ? {
          format: (c.format as string | undefined) ?? null,
          sizeBytes: c.sizeBytes,
          makeSeconds: c.seconds + (c.convertSeconds ?? 0),
          toolchain: (c.toolchain as Record<string, string>) ?? {},
        }
      : null,
    accuracy:
      v && first
        ? {
            minCosine: first.minCosine,
            top1Agreement: first.top1Agreement ?? null,
            iouAgreement: first.iouAgreement ?? null,
            referenceAccuracy: v.accuracy?.reference ?? null,
            variantAccuracy: v.accuracy?.variant ?? null,
            deltaPoints: v.accuracy?.deltaPoints ?? null,
            samples: v.samples,
            trained: v.trained,
          }
        : null,
    latencyMs: measured?.latency
      ? { p50: measured.latency.http.p50, p90: measured.latency.http.p90, p99: measured.latency.http.p99, stable: measured.latency.http.stable }
      : null,
    inProcessLatencyMs: measured?.latency?.inProcess ? { p50: measured.latency.inProcess.p50 } : null,
    serverOverhead: measured?.latency?.serverOverhead ?? null,
    throughput: measured?.throughput
      ? {
          batch: measured.throughput.batch,
          perSecond: measured.throughput.http.perSecond,
          concurrency: measured.throughput.http.concurrency ?? null,
          inProcessPerSecond: measured.throughput.inProcess?.perSecond ?? null,
          shareOfInProcess: measured.throughput.httpShareOfInProcess,
          stable: measured.throughput.http.stable,
        }
      : null,
    speedup: measured?.baselines
      ? { vsTfFunction: measured.baselines.speedupVsTfSignature, vsModelPredict: measured.baselines.speedupVsKerasPredict ?? null }
      : null,
    baselineLatencyMs: measured?.baselines
      ? { tfFunction: measured.baselines.tfSignature.p50, modelPredict: measured.baselines.kerasPredict?.p50 ?? null }
      : null,
    achievedGflops: gflops,
    shareOfPeak: gflops !== null && peak ? Number((gflops / peak).toFixed(4)) : null,
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The goals the project states for itself, each with the measured figure (never assumed). The speedup goals
 * assume the ISA they were reached on: INT8 runtimes on AVX-512 VNNI reached x5.3 over tf.function, an AVX2 CPU
 * x2.91 (README); each goal names the ISA it assumes and the one measured on. */
export function goals(variants: VariantProfile[], ceiling: Ceiling | null = null): Goal[] {
  const out: Goal[] = [];
  const on = ceiling?.isa ? `; measured on ${ceiling.isa}` : '';
  const cpuResnet = variants.filter((v) => v.model === 'resnet50' && v.runsOn === 'x86_64' && !v.baselineOf && v.speedup);
  const best = [...cpuResnet].sort((a, b) => b.speedup!.vsTfFunction - a.speedup!.vsTfFunction)[0];
  out.push({
    goal: `ResNet50 batch 1: best CPU variant >= 5x faster than native tf.function (assumes AVX-512 VNNI${on})`,
    measured: best ? `${best.variant}: x${best.speedup!.vsTfFunction.toFixed(2)}` : 'not measured',
    met: best ? best.speedup!.vsTfFunction >= 5 : null,
  });
  const bestPredict = [...cpuResnet]
    .filter((v) => v.speedup!.vsModelPredict)
    .sort((a, b) => b.speedup!.vsModelPredict! - a.speedup!.vsModelPredict!)[0];
  out.push({
    goal: `ResNet50 batch 1: best CPU variant >= 10x faster than TF2AIF's model.predict baseline (assumes AVX-512 VNNI${on})`,
    measured: bestPredict ? `${bestPredict.variant}: x${bestPredict.speedup!.vsModelPredict!.toFixed(2)}` : 'not measured',
    met: bestPredict ? bestPredict.speedup!.vsModelPredict! >= 10 : null,
  });
  const overheads = variants.filter((v) => v.model === 'resnet50' && v.serverOverhead !== null);
  const worstOverhead = [...overheads].sort((a, b) => b.serverOverhead! - a.serverOverhead!)[0];
  out.push({
    goal: "LAT mode, ResNet50, binary tensors: HTTP p50 <= 1.10 x the runtime's p50 on the same requests (Server-Timing)",
    measured: overheads.length
      ? overheads.map((v) => `${v.variant} ${v.serverOverhead! >= 0 ? '+' : ''}${pct(v.serverOverhead!)}`).join(', ')
      : 'not measured',
    met: worstOverhead ? worstOverhead.serverOverhead! <= 0.1 : null,
  });
  const shares = variants.filter((v) => v.model === 'resnet50' && v.throughput !== null && v.throughput.shareOfInProcess !== null);
  const worstShare = [...shares].sort((a, b) => a.throughput!.shareOfInProcess! - b.throughput!.shareOfInProcess!)[0];
  out.push({
    goal: 'THR mode, ResNet50: throughput >= 90% of in-process throughput at the same batch size',
    measured: shares.length ? shares.map((v) => `${v.variant} ${pct(v.throughput!.shareOfInProcess!)}`).join(', ') : 'not measured',
    met: worstShare ? worstShare.throughput!.shareOfInProcess! >= 0.9 : null,
  });
  return out;
}

export function buildReport(facts: VariantFacts[], results: Map<string, VariantResult>, ceiling: Ceiling | null, now = new Date()): Report {
  const variants = facts
    .map((f) => profile(f, results.get(f.variant), ceiling))
    .sort((a, b) => a.model.localeCompare(b.model) || a.variant.localeCompare(b.variant));
  return { generatedAt: now.toISOString(), machine: ceiling, variants, goals: goals(variants, ceiling) };
}
