import type { Report } from './build-report';
import { accuracyCell, dash, fixed, megabytes, percent, times } from './format';
import { latencyAccuracyChart, speedupChart } from './svg-charts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const style = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1400px;color:#111827;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f9fafb;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart .grid{stroke:#e5e7eb}.chart .grid.minor{stroke:#f3f4f6}.chart .parity{stroke:#9ca3af;stroke-dasharray:4 3}.chart .axis{font-size:11px;fill:#4b5563}.chart .label{font-size:10px;fill:#374151}
.legend span{display:inline-flex;align-items:center;margin-right:12px;font-size:12px}.legend i{width:10px;height:10px;display:inline-block;margin-right:4px}
.met{color:#15803d}.unmet{color:#b91c1c}.muted{color:#6b7280}.notes{color:#6b7280;font-size:11.5px}
`;

/** report.html: one self-contained page (inline CSS and SVG) a person can open and read. */
export function htmlReport(report: Report): string {
  const m = report.machine;
  const goalRows = report.goals
    .map((g) => `<tr><td>${esc(g.goal)}</td><td>${esc(g.measured)}</td><td class="${g.met ? 'met' : g.met === false ? 'unmet' : 'muted'}">${g.met === null ? 'not measured' : g.met ? 'met' : 'not met'}</td></tr>`)
    .join('');
  const rows = report.variants
    .map(
      (v) => `<tr>
<td>${esc(v.variant)}</td><td>${esc(v.title)}</td><td>${esc(v.runtime)}</td><td>${esc(v.precision)}</td>
<td class="num">${megabytes(v.artifact?.sizeBytes)}</td><td>${esc(accuracyCell(v.accuracy))}</td>
<td class="num">${fixed(v.latencyMs?.p50, 2)}</td><td class="num">${fixed(v.latencyMs?.p99, 2)}</td><td class="num">${percent(v.serverOverhead)}</td>
<td class="num">${v.throughput ? `${v.throughput.perSecond.toFixed(1)} (b${v.throughput.batch})` : dash}</td>
<td class="num">${times(v.speedup?.vsTfFunction)}</td><td class="num">${times(v.speedup?.vsModelPredict)}</td><td class="num">${percent(v.shareOfPeak)}</td>
<td>${v.stages.image ? esc(v.stages.image) : dash}</td><td class="notes">${esc(v.notes.join('; ') || dash)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tf2aif report</title><style>${style}</style></head>
<body>
<h1>tf2aif: variants, speedups and accuracy</h1>
<p class="muted">${m ? `${esc(m.machine.cpu)}, ${m.machine.cores} cores (${esc(m.machine.arch)}); peak GEMM ${m.fp32Gflops} GFLOP/s FP32 (${esc(m.fp32Kernel)}), ${m.int8Gops} GOP/s INT8${m.int8Kernel ? ` (${esc(m.int8Kernel)})` : ''}. ` : 'No ceiling measured. '}Generated ${esc(report.generatedAt)}.</p>
<h2>Goals</h2>
<table><tr><th>goal</th><th>measured</th><th></th></tr>${goalRows}</table>
<h2>Speedup over native TensorFlow (tf.function), batch 1</h2>
${speedupChart(report.variants)}
<h2>Latency against accuracy</h2>
<p class="muted">Accuracy on labelled held-out data where the model has it; otherwise top-1 (or IoU) agreement with the TensorFlow original.</p>
${latencyAccuracyChart(report.variants)}
<h2>Variants</h2>
<table>
<tr><th>variant</th><th>platform</th><th>runtime</th><th>precision</th><th>size MB</th><th>accuracy</th><th>LAT p50 ms</th><th>p99 ms</th><th>overhead</th><th>THR /s</th><th>vs tf.function</th><th>vs model.predict</th><th>% of peak</th><th>image</th><th>notes</th></tr>
${rows}
</table>
</body></html>
`;
}
