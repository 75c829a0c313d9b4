import type { PlanShown, Report } from './build-report';
import { accuracyCell, dash, fixed, machineLine, megabytes, OVERHEAD_NOTE, percent, times } from './format';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** report.md: the goals, then one row per variant. */
export function markdownReport(report: Report, plan?: PlanShown): string {
  const lines: string[] = ['# tf2aif report', ''];
  if (report.machine) {
    const m = report.machine;
    lines.push(`Machine: ${machineLine(m)} Generated ${report.generatedAt}.`, '');
  }
  if (report.zoo) lines.push(`Model zoo: ${report.zoo.summary} ([coverage](${report.zoo.page.replace('.html', '.md')})).`, '');
  if (plan) lines.push(`Deployment plan: ${plan.summary} ([plan](${plan.page})).`, '');
  lines.push('## Goals', '', '| goal | measured | met |', '|---|---|---|');
  for (const g of report.goals) lines.push(`| ${cell(g.goal)} | ${cell(g.measured)} | ${g.met === null ? 'not measured' : g.met ? 'yes' : 'no'} |`);
  lines.push(
    '',
    '## Variants',
    '',
    'Latency is batch 1 over HTTP with binary tensors (LAT mode); throughput is THR mode at the batch size shown; ' +
      'speedups are ratios to the native TensorFlow baselines measured side by side in the same process. ' +
      OVERHEAD_NOTE,
    '',
    '| variant | platform | runtime | precision | size MB | accuracy | LAT p50 ms | ' +
      'p99 ms | overhead | THR /s (batch) | vs tf.function | vs model.predict | % of peak | notes |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  );
  for (const v of report.variants) {
    lines.push(
      '| ' +
        [
          v.variant,
          v.platform,
          v.runtime,
          v.precision,
          megabytes(v.artifact?.sizeBytes),
          accuracyCell(v.accuracy),
          fixed(v.latencyMs?.p50, 2),
          fixed(v.latencyMs?.p99, 2),
          percent(v.serverOverhead),
          v.throughput ? `${v.throughput.perSecond.toFixed(1)} (${v.throughput.batch})` : dash,
          times(v.speedup?.vsTfFunction),
          times(v.speedup?.vsModelPredict),
          percent(v.shareOfPeak),
          v.notes.join('; ') || dash,
        ]
          .map(cell)
          .join(' | ') +
        ' |',
    );
  }
  return lines.join('\n') + '\n';
}
