import type { VariantResult } from './variant-results';

const fmt = (n: number | undefined, digits: number) => (n === undefined ? '-' : n.toFixed(digits));

function status(r: VariantResult): string {
  if (r.problems.length > 0) return 'unreadable result';
  if (!r.convert) return 'not converted';
  if (!r.verify) return 'not verified';
  return r.verify.passed ? 'verified' : 'OUT OF TOLERANCE';
}

/** A plain-text table of what was produced, one row per variant, for the terminal and the README. */
export function formatSummaryTable(results: VariantResult[]): string {
  const header = [
    'variant',
    'runtime',
    'precision',
    'batch',
    'size MB',
    'make s',
    'status',
    'min cosine',
    'top-1 agree',
    'accuracy',
    'LAT p50 ms',
    'vs tf.function',
    'inputs',
  ];
  const rows = results.map((r) => {
    const c = r.convert;
    const v = r.verify;
    const first = v ? Object.values(v.outputs)[0] : undefined;
    const seconds = c ? c.seconds + (c.convertSeconds ?? 0) : undefined;
    const accuracy = v?.accuracy
      ? `${(v.accuracy.variant * 100).toFixed(1)}% (${v.accuracy.deltaPoints >= 0 ? '+' : ''}${v.accuracy.deltaPoints.toFixed(1)})`
      : '-';
    const origin = v ? (v.trained ? v.inputOrigin : `${v.inputOrigin}, untrained`) : '-';
    const b = r.bench;
    const latency = b?.status === 'not-run' ? 'not here' : fmt(b?.latency?.http.p50, 2);
    const speedup = b?.baselines ? `x${b.baselines.speedupVsTfSignature.toFixed(2)}` : '-';
    return [
      r.variant,
      c?.runtime ?? '-',
      c?.precision ?? '-',
      c ? String(c.batchSize) : '-',
      c ? fmt(c.sizeBytes / 1e6, 2) : '-',
      fmt(seconds, 1),
      status(r) + (r.compile ? ', compiled' : ''),
      fmt(first?.minCosine, 5),
      fmt(first?.top1Agreement, 3),
      accuracy,
      latency,
      speedup,
      origin,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
