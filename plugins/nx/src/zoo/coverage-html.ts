import { esc, style } from '../report/html-style';
import { cellAt, totalsLine, type Coverage } from './coverage-report';

const extra = `
td.ok{background:#ecfdf5;color:#065f46}td.bad{background:#fef2f2;color:#991b1b}td.cell{text-align:center;white-space:nowrap}
`;

/** coverage.html: the matrix in the report's style; hover a cell for its reason or figures. */
export function coverageHtml(c: Coverage): string {
  const header = c.platforms.map((p) => `<th>${esc(p)}</th>`).join('');
  const rows = c.models
    .map((m) => {
      const cells = c.platforms
        .map((p) => {
          const x = cellAt(c, m.name, p);
          if (!x) return '<td></td>';
          if (x.status === 'verified') {
            const tip =
              `${x.executedWith ?? ''}; max abs error ${x.figures?.maxAbsError.toPrecision(3) ?? '?'}; ` +
              `${x.seconds ?? '?'} s${x.notes.length ? `; ${x.notes.join('; ')}` : ''}`;
            return `<td class="cell ok" title="${esc(tip)}">✔ ${x.figures ? x.figures.minCosine.toFixed(3) : ''}${x.notes.length ? '*' : ''}</td>`;
          }
          return `<td class="cell bad" title="${esc(x.reason ?? '')}">✖ ${esc(x.stage ?? '')}</td>`;
        })
        .join('');
      return `<tr><td title="${esc(m.about)}">${esc(m.name)}</td>${cells}</tr>`;
    })
    .join('\n');
  const failing = c.cells
    .filter((x) => x.status === 'failed')
    .map((x) => `<tr><td>${esc(x.variant)}</td><td>${esc(x.stage ?? '')}</td><td>${esc(x.reason ?? '')}</td></tr>`)
    .join('\n');
  const noted = c.cells
    .filter((x) => x.notes.length > 0)
    .map((x) => `<tr><td>${esc(x.variant)}</td><td class="notes">${esc(x.notes.join('; '))}</td></tr>`)
    .join('\n');
  const models = c.models
    .map((m) => `<tr><td>${esc(m.name)}</td><td>${esc(m.export)}</td><td>zoo/builders/${esc(m.builder)}.py</td><td>${esc(m.about)}</td></tr>`)
    .join('\n');
  return (
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tf2aif model zoo coverage</title><style>${style}${extra}</style></head>
<body>
<h1>tf2aif model zoo: coverage</h1>
<p>${esc(totalsLine(c))}: ${c.models.length} models × ${c.platforms.length} platforms, ` +
    `each added as a user adds a model and verified against its TensorFlow original.</p>
<p class="muted">${c.wallSeconds} s on ${esc(c.machine.cpu)} (${c.machine.cores} cores). ` +
    `Generated ${esc(c.generatedAt)}. <a href="../report/report.html">The report</a>.</p>
<h2>Matrix</h2>
<p class="muted">✔ verified, with the lowest cosine similarity to the original over the verification samples ` +
    `(* made another way than usual, see below); ✖ the stage that failed. Hover a cell for details.</p>
<table><tr><th>model</th>${header}</tr>
${rows}
</table>
<h2>Failing cells</h2>
${failing ? `<table><tr><th>variant</th><th>stage</th><th>reason</th></tr>${failing}</table>` : '<p>None.</p>'}
${noted ? `<h2>Variants made another way than their platform usually does</h2><table><tr><th>variant</th><th>how</th></tr>${noted}</table>` : ''}
<h2>Models</h2>
<table><tr><th>model</th><th>handed over as</th><th>builder</th><th>what</th></tr>${models}</table>
</body></html>
`
  );
}
