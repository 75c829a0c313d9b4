import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from './render-template';

function template(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tf2aif-template-')), 'server.Dockerfile.ejs');
  writeFileSync(file, text);
  return file;
}

describe('renderTemplate', () => {
  const data = { variant: 'digits-cpu', serving: { mode: 'LAT', port: 8000 } };

  it('renders a template with the variables it is given', () => {
    expect(renderTemplate(template('# <%= variant %>, <%= serving.mode %> mode\nEXPOSE <%= serving.port %>\n'), data)).toBe(
      '# digits-cpu, LAT mode\nEXPOSE 8000\n',
    );
  });

  it('says where an older copy names a variable that moved, and what to write', () => {
    const file = template('FROM x\n# <%= mode %> mode\n');
    const fix = 'it is serving.mode now: write <%= serving.mode %>';
    expect(() => renderTemplate(file, data)).toThrow(`${file}:2: mode is not a template variable (${fix})`);
  });

  it('lists the variables for a name the template never had', () => {
    const file = template('<%= nope %>');
    expect(() => renderTemplate(file, data)).toThrow(`${file}:1: nope is not a template variable (the template's variables are serving, variant)`);
  });

  it('names the file for any other template error, in one line', () => {
    const file = template('<% if (variant) { %>');
    expect(() => renderTemplate(file, data)).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: [^\\n]+$`));
  });
});
