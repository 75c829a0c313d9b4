import type { Plan } from './explain';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** plan.md: the placement, why each choice, what would change it, what could not be placed. */
export function planMarkdown(plan: Plan): string {
  const unit = plan.objective === 'cost' ? 'cost per hour' : 'power';
  const lines = [
    '# Deployment plan',
    '',
    `${plan.status}: ${plan.models.length} model(s) placed on fleet ${plan.fleet}, minimizing ${unit}; ` +
      `total ${plan.totals.costPerHour}/h, ${plan.totals.watts} W (${plan.generatedAt}).`,
    '',
  ];
  if (plan.models.length > 0) {
    lines.push(
      '| model | variant | pool | replicas | mode | expected p99 (ms) | headroom | profile measured on | why |',
      '|---|---|---|---|---|---|---|---|---|',
    );
    for (const m of plan.models) {
      lines.push(
        `| ${m.model} | ${m.variant} | ${m.pool} | ${m.replicas} | ${m.point} | ` +
          `${m.expectedP99Ms}${m.p99Estimated ? ' (est.)' : ''} (target ${m.slo.p99Ms}) | ` +
          `${(m.headroom * 100).toFixed(0)}% | ${cell(m.measuredOn)} | ${cell(m.why)} |`,
      );
    }
    lines.push('', 'What would change it:', '');
    for (const m of plan.models) lines.push(`- ${m.model}: ${m.wouldChange.join('; ')}`);
    lines.push('');
  }
  lines.push(
    'Nodes: ' +
      Object.entries(plan.totals.nodes)
        .map(([pool, n]) => `${pool} ${n.used}/${n.of}`)
        .join(', '),
    '',
  );
  if (plan.binding.length > 0) lines.push('Binding constraints:', '', ...plan.binding.map((b) => `- ${b}`), '');
  if (plan.infeasible.length > 0) lines.push('Not placed:', '', ...plan.infeasible.map((i) => `- ${i.line}`), '');
  if (plan.unplanned.length > 0) lines.push(`Without service targets (add \`slo\` to their tf2aif.json): ${plan.unplanned.join(', ')}.`, '');
  return lines.join('\n');
}
