import { cellAt, totalsLine, type Coverage } from './coverage-report';

const cell = (s: string) => s.replace(/\|/g, '\\|');

/** coverage.md: the matrix (✔ / ✖ with the failing stage), then one line per failing cell. */
export function coverageMarkdown(c: Coverage): string {
  const lines = [
    '# tf2aif model zoo: coverage',
    '',
    `${totalsLine(c)}; ${c.models.length} models × ${c.platforms.length} platforms, ` +
      `${c.wallSeconds} s on ${c.machine.cpu} (${c.machine.cores} cores). Generated ${c.generatedAt}.`,
    '',
    `| model | ${c.platforms.join(' | ')} |`,
    `|---|${c.platforms.map(() => '---').join('|')}|`,
  ];
  for (const m of c.models) {
    const row = c.platforms.map((p) => {
      const x = cellAt(c, m.name, p);
      if (!x) return '';
      return x.status === 'verified' ? `✔ ${x.figures ? x.figures.minCosine.toFixed(3) : ''}` : `✖ ${x.stage}`;
    });
    lines.push(`| ${m.name} | ${row.join(' | ')} |`);
  }
  lines.push('', '✔ verified, with the lowest cosine similarity to the TensorFlow original over the verification samples; ✖ the stage that failed.');
  const failing = c.cells.filter((x) => x.status === 'failed');
  lines.push('', '## Failing cells', '');
  if (failing.length === 0) lines.push('None.');
  for (const x of failing) lines.push(`- **${x.variant}** (${x.stage}): ${cell(x.reason ?? '')}`);
  const noted = c.cells.filter((x) => x.notes.length > 0);
  if (noted.length) {
    lines.push('', '## Variants made another way than their platform usually does', '');
    for (const x of noted) lines.push(`- ${x.variant}: ${cell(x.notes.join('; '))}`);
  }
  lines.push('', '## Models', '');
  for (const m of c.models) lines.push(`- **${m.name}** (${m.export}, zoo/builders/${m.builder}.py): ${cell(m.about)}`);
  return lines.join('\n') + '\n';
}
