import type { PlanShown, Report } from './build-report';
import { accuracyCell, dash, fixed, machineLine, megabytes, OVERHEAD_NOTE, percent, times } from './format';
import { esc, style } from './html-style';
import { latencyAccuracyChart, speedupChart } from './svg-charts';

/** report.html: one self-contained page (inline CSS and SVG) a person can open and read. */
export function htmlReport(report: Report, plan?: PlanShown): string {
  const m = report.machine;
  const goalRows = report.goals
    .map(
      (g) =>
        `<tr><td>${esc(g.goal)}</td><td>${esc(g.measured)}</td>` +
        `<td class="${g.met ? 'met' : g.met === false ? 'unmet' : 'muted'}">${g.met === null ? 'not measured' : g.met ? 'met' : 'not met'}</td></tr>`,
    )
    .join('');
  const rows = report.variants
    .map(
      (v) =>
        `<tr>
<td>${esc(v.variant)}</td><td>${esc(v.title)}</td><td>${esc(v.runtime)}</td><td>${esc(v.precision)}</td>
<td class="num">${megabytes(v.artifact?.sizeBytes)}</td><td>${esc(accuracyCell(v.accuracy))}</td>
<td class="num">${fixed(v.latencyMs?.p50, 2)}</td><td class="num">${fixed(v.latencyMs?.p99, 2)}</td><td class="num">${percent(v.serverOverhead)}</td>
<td class="num">${v.throughput ? `${v.throughput.perSecond.toFixed(1)} (b${v.throughput.batch})` : dash}</td>
<td class="num">${times(v.speedup?.vsTfFunction)}</td><td class="num">${times(v.speedup?.vsModelPredict)}</td>` +
        `<td class="num">${percent(v.shareOfPeak)}</td>
<td>${v.stages.image ? esc(v.stages.image) : dash}</td><td class="notes">${esc(v.notes.join('; ') || dash)}</td></tr>`,
    )
    .join('\n');
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tf2aif report</title><style>${style}</style></head>
<body>
<h1>tf2aif: variants, speedups and accuracy</h1>
<p class="muted">${m ? `${esc(machineLine(m))} ` : 'No ceiling measured. '}Generated ${esc(report.generatedAt)}.</p>
${report.zoo ? `<p>Model zoo: <a href="${esc(report.zoo.page)}">${esc(report.zoo.summary)}</a>.</p>` : ''}
${plan ? `<p>Deployment plan: <a href="#plan">${esc(plan.summary)}</a>.</p>` : ''}
<h2>Goals</h2>
<table><tr><th>goal</th><th>measured</th><th></th></tr>${goalRows}</table>
<h2>Speedup over native TensorFlow (tf.function), batch 1</h2>
${speedupChart(report.variants)}
<h2>Latency against accuracy</h2>
<p class="muted">Accuracy on labelled held-out data where the model has it; otherwise top-1 (or IoU) agreement with the TensorFlow original.</p>
${latencyAccuracyChart(report.variants)}
<h2>Variants</h2>
<p class="muted">${esc(OVERHEAD_NOTE)}</p>
<table>
<tr><th>variant</th><th>platform</th><th>runtime</th><th>precision</th><th>size MB</th><th>accuracy</th><th>LAT p50 ms</th><th>p99 ms</th>` +
    `<th>overhead</th><th>THR /s</th><th>vs tf.function</th><th>vs model.predict</th><th>% of peak</th><th>image</th><th>notes</th></tr>
${rows}
</table>
${plan ? plan.html : ''}
</body></html>
`
  );
}
