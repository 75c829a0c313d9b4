import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { describe, expect, it } from 'vitest';

const defaultsIn = (node: unknown, path = ''): string[] =>
  node && typeof node === 'object' ? Object.entries(node).flatMap(([k, v]) => (k === 'default' ? [path] : defaultsIn(v, `${path}/${k}`))) : [];

describe('executor schema.json files', () => {
  // Nx fills an executor's options with its schema.json defaults before the executor runs, and options win over
  // the settings resolved from tf2aif.json: a default there would shadow the user's setting (image.push did)
  it('declare no defaults: those live in the zod schemas only', () => {
    const dir = __dirname;
    const found = readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => {
        try {
          return defaultsIn(JSON.parse(readFileSync(join(dir, d.name, 'schema.json'), 'utf8'))).map((p) => `${d.name}${p}`);
        } catch {
          return [];
        }
      });
    expect(found).toEqual([]);
  });
});
