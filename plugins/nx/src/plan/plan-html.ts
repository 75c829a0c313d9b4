import type { PlanShown } from '../report/build-report';
import { esc } from '../report/html-style';
import type { Plan } from './explain';

/** What the report shows of the plan: a summary line (status, models placed, cost) and its section of report.html. */
export function planShown(plan: Plan, page: string): PlanShown {
  return { page, summary: `${plan.status}, ${plan.models.length} model(s), ${plan.totals.costPerHour}/h`, html: planSection(plan, page) };
}

/** The report's "Deployment plan" section: each choice, why it was made and what would change it. */
export function planSection(plan: Plan, link: string): string {
  const rows = plan.models
    .map(
      (m) =>
        `<tr><td>${esc(m.model)}</td><td>${esc(m.variant)}</td><td>${esc(m.pool)}</td><td class="num">${m.replicas}</td><td>${m.point}</td>
<td class="num">${m.expectedP99Ms}${m.p99Estimated ? ' (est.)' : ''} / ${m.slo.p99Ms}</td>` +
        `<td class="num">${(m.headroom * 100).toFixed(0)}%</td><td>${esc(m.measuredOn)}</td>
<td class="notes">${esc(m.why)}</td><td class="notes">${m.wouldChange.map(esc).join('<br>')}</td></tr>`,
    )
    .join('\n');
  const list = (title: string, items: string[]) => (items.length ? `<p>${title}</p><ul>${items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>` : '');
  const nodes = Object.entries(plan.totals.nodes)
    .map(([pool, n]) => `${pool} ${n.used}/${n.of}`)
    .join(', ');
  const header =
    '<tr><th>model</th><th>variant</th><th>pool</th><th>replicas</th><th>mode</th><th>p99 ms expected / target</th><th>headroom</th>' +
    '<th>profile measured on</th><th>why</th><th>what would change it</th></tr>';
  return (
    `<h2 id="plan">Deployment plan</h2>
<p>${esc(plan.status)}: minimizing ${plan.objective === 'cost' ? 'cost' : 'power'} on ${esc(plan.fleet)} ` +
    `(<a href="${esc(link)}">plan.md</a>, manifests in dist/plan/kubernetes/): ${plan.totals.costPerHour}/h, ${plan.totals.watts} W; ` +
    `nodes ${esc(nodes)}. <span class="muted">${esc(plan.generatedAt)}</span></p>
${rows ? `<table>${header}\n${rows}\n</table>` : ''}
${list('Binding constraints:', plan.binding)}${list(
      'Not placed:',
      plan.infeasible.map((i) => i.line),
    )}${list('Without service targets (slo in tf2aif.json):', plan.unplanned)}`
  );
}
