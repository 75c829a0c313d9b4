import type { Ceiling } from './build-report';
/** Number formats shared by the Markdown and HTML reports. */
export const dash = '–';
export const fixed = (n: number | null | undefined, digits: number) => (n === null || n === undefined ? dash : n.toFixed(digits));
export const times = (n: number | null | undefined) => (n === null || n === undefined ? dash : `×${n.toFixed(2)}`);
export const percent = (n: number | null | undefined, digits = 1) => (n === null || n === undefined ? dash : `${(n * 100).toFixed(digits)}%`);
export const megabytes = (bytes: number | undefined) => (bytes === undefined ? dash : (bytes / 1e6).toFixed(2));

export function accuracyCell(
  a: { variantAccuracy: number | null; deltaPoints: number | null; top1Agreement: number | null; iouAgreement: number | null } | null,
): string {
  if (!a) return dash;
  if (a.variantAccuracy !== null && a.deltaPoints !== null)
    return `${(a.variantAccuracy * 100).toFixed(1)}% (${a.deltaPoints >= 0 ? '+' : ''}${a.deltaPoints.toFixed(1)} pt)`;
  if (a.top1Agreement !== null) return `top-1 agree ${percent(a.top1Agreement, 0)}`;
  if (a.iouAgreement !== null) return `IoU agree ${percent(a.iouAgreement, 0)}`;
  return dash;
}

/** What the overhead column means, for both the Markdown and the HTML report. */
export const OVERHEAD_NOTE =
  'Overhead is what the HTTP path adds in LAT mode: ' +
  "the HTTP p50 over the p50 of the runtime's own time on the same requests, as the server reports it (Server-Timing).";

/** The machine's line: CPU, ISA, the measured ceilings with the kernel that set each, the ISA's theoretical figures. */
export function machineLine(m: Ceiling): string {
  const t = m.theoretical;
  const theory =
    t && (t.fp32Gflops !== null || t.int8Gops !== null)
      ? `; theoretical ${t.fp32Gflops ?? '?'} GFLOP/s FP32, ${t.int8Gops ?? '?'} GOP/s INT8 (${t.basis})`
      : '';
  return (
    `${m.machine.cpu}, ${m.machine.cores} cores (${m.machine.arch}${m.isa ? `, ${m.isa}` : ''}); ` +
    `measured ceiling ${m.fp32Gflops} GFLOP/s FP32 (${m.fp32Kernel}), ${m.int8Gops} GOP/s INT8${m.int8Kernel ? ` (${m.int8Kernel})` : ''}${theory}.`
  );
}
