import { render } from 'ejs';
import { readFileSync } from 'fs';

/** Template variables that moved since a platform may have copied the template (nx g @tf2aif/nx:platform
 * --ownTemplate): the name it had -> the one it has now. */
const moved: Record<string, string> = { mode: 'serving.mode' };

/**
 * A Dockerfile template rendered with `data`; a template that names a variable `data` lacks (a platform's own copy
 * of an older template) fails with one line: the file and line, the variable, and what to write instead.
 */
export function renderTemplate(file: string, data: Record<string, unknown>): string {
  try {
    return render(readFileSync(file, 'utf8'), data, { filename: file });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const missing = /(?:^|\n)(\w+) is not defined$/.exec(message);
    if (!(e instanceof ReferenceError) || !missing) throw new Error(`${file}: ${message.split('\n').at(-1)}`);
    const line = /^[^\n]*:(\d+)\n/.exec(message)?.[1];
    const name = missing[1];
    const fix = moved[name]
      ? `it is ${moved[name]} now: write <%= ${moved[name]} %>`
      : `the template's variables are ${Object.keys(data).sort().join(', ')}`;
    throw new Error(`${file}${line ? `:${line}` : ''}: ${name} is not a template variable (${fix})`);
  }
}
