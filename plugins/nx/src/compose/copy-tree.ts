import { cpSync } from 'fs';

/** Copies a source folder into a build context, leaving out caches and tests. */
export function copySources(from: string, to: string, exclude = /(__pycache__|\.pytest_cache|\.pyc$|[\\/]tests?[\\/])/) {
  cpSync(from, to, { recursive: true, filter: (src) => !exclude.test(src) });
}
