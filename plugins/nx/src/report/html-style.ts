/** The look every tf2aif HTML page shares (the report, the zoo's coverage matrix). */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const style =
  `
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1400px;color:#111827;padding:0 16px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}
table{border-collapse:collapse;width:100%;font-size:12.5px}th,td{border-bottom:1px solid #e5e7eb;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f9fafb;position:sticky;top:0}td.num{text-align:right;font-variant-numeric:tabular-nums}
.chart .grid{stroke:#e5e7eb}.chart .grid.minor{stroke:#f3f4f6}.chart .parity{stroke:#9ca3af;stroke-dasharray:4 3}` +
  `.chart .axis{font-size:11px;fill:#4b5563}.chart .label{font-size:10px;fill:#374151}
.legend span{display:inline-flex;align-items:center;margin-right:12px;font-size:12px}` +
  `.legend i{width:10px;height:10px;display:inline-block;margin-right:4px}
.met{color:#15803d}.unmet{color:#b91c1c}.muted{color:#6b7280}.notes{color:#6b7280;font-size:11.5px}
`;
