import { describe, expect, it } from 'vitest';
import { htmlReport } from '../report/html';
import { markdownReport } from '../report/markdown';
import type { Plan } from './explain';
import { planShown } from './plan-html';

const plan: Plan = {
  generatedAt: '2026-11-30T00:00:00.000Z',
  objective: 'cost',
  fleet: 'plan/fleet.json',
  status: 'partial',
  totals: { costPerHour: 0.34, watts: 180, nodes: { x86: { used: 1, of: 4 } } },
  models: [
    {
      model: 'digits',
      slo: { p99Ms: 5, ratePerSecond: 100 },
      variant: 'digits-cpu',
      platform: 'cpu',
      precision: 'fp32',
      pool: 'x86',
      replicas: 1,
      point: 'LAT',
      ratePerReplica: 4000,
      expectedP99Ms: 0.4,
      p99Estimated: false,
      headroom: 39,
      measuredOn: 'AMD EPYC <test>',
      profileSource: 'this workspace',
      why: 'the only option that meets the targets',
      wouldChange: ['a p99 target below 0.4 ms rules it out'],
    },
  ],
  infeasible: [{ model: 'resnet50', line: 'resnet50: no variant keeps slo.p99Ms 1 on any pool' }],
  binding: ['pool x86: all 4 nodes in use'],
  excluded: [],
  unplanned: ['unet'],
  profiles: { used: 3, ignored: [] },
};

describe("the report's deployment plan section", () => {
  it('shows each choice, why, what would change it, what was not placed (escaped)', () => {
    const html = htmlReport({ generatedAt: 'now', machine: null, variants: [], goals: [] }, planShown(plan, '../plan/plan.md'));
    expect(html).toContain('<h2 id="plan">Deployment plan</h2>');
    expect(html).toContain('<p>Deployment plan: <a href="#plan">partial, 1 model(s), 0.34/h</a>.</p>');
    expect(html).toMatch(
      /<td>digits-cpu<\/td><td>x86<\/td>[\s\S]*the only option that meets the targets[\s\S]*a p99 target below 0.4 ms rules it out/,
    );
    expect(html).toContain('AMD EPYC &lt;test&gt;');
    expect(html).toMatch(/Not placed:<\/p><ul><li>resnet50: no variant keeps slo.p99Ms 1 on any pool<\/li>/);
    expect(html).toMatch(/Binding constraints:<\/p><ul><li>pool x86: all 4 nodes in use/);
    expect(markdownReport({ generatedAt: 'now', machine: null, variants: [], goals: [] }, planShown(plan, '../plan/plan.md'))).toContain(
      'Deployment plan: partial, 1 model(s), 0.34/h ([plan](../plan/plan.md)).',
    );
  });
});
