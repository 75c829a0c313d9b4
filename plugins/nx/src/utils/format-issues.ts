import type { z } from 'zod';

/** `inputs[0].shape` style path, as a user would point at the field in the JSON file. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  // Unknown keys are reported once per object by zod; name each key as a field of its own.
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => `${fieldPath([...issue.path, key])}: unknown field "${key}"`);
  }
  if (issue.code === 'invalid_union' && issue.errors.length > 0) {
    // Report the branch that got furthest: the one with the fewest issues.
    const best = [...issue.errors].sort((a, b) => a.length - b.length)[0];
    return best.flatMap((inner) => describeIssue({ ...inner, path: [...issue.path, ...inner.path] }));
  }
  return [`${fieldPath(issue.path)}: ${issue.message}`];
}

/** Thrown for a file that does not match its schema; the message names the file and each bad field. */
export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigFileError';
  }
}

export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, file: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ConfigFileError(file, result.error.issues.flatMap(describeIssue));
}

/** JSON.parse with an error that names the file and the line of the syntax error. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    const where = pos ? ` (line ${text.slice(0, Number(pos[1])).split('\n').length})` : '';
    throw new ConfigFileError(file, [`not valid JSON${where}: ${message}`]);
  }
}
