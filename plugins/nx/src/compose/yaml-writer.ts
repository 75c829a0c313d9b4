/**
 * A small YAML writer for plain JSON-like values (objects, arrays, strings, finite numbers, booleans, null), in
 * the block style Kubernetes manifests are written in. Strings are written plain only when no YAML 1.1 or 1.2
 * reader could take them for anything but a string; every other string is written double-quoted with JSON's
 * escapes, which YAML's double-quoted style shares. `undefined` object members are left out, as JSON.stringify
 * does.
 *
 * Kept instead of the `yaml` package, measured (2.9.1, stringify with version 1.1): it writes U+0085, U+009F,
 * U+2028 and U+FEFF raw inside double-quoted scalars, which YAML 1.1 readers refuse (PyYAML: "unacceptable
 * character #x009f"; go-yaml, which Kubernetes uses, refuses control characters too), so a label with such a
 * character would make an unreadable manifest. This writer escapes them; kubernetes-manifests.spec.ts reads
 * every manifest back with PyYAML to check it.
 */
export function toYaml(value: unknown): string {
  if (isScalar(value) || isEmpty(value)) return `${scalar(value)}\n`;
  return lines(value, 0).join('\n') + '\n';
}

/** Several documents in one stream, separated by `---`. */
export function toYamlDocuments(values: unknown[]): string {
  return values.map((v) => `---\n${toYaml(v)}`).join('');
}

// plain scalars: a letter, "_" or "/" first, then letters, digits and _ . / - only (no ":", "#", spaces, quotes)
const PLAIN = /^[A-Za-z_/][A-Za-z0-9_./-]*$/;
// words YAML 1.1 (still read by many tools) or 1.2 turn into booleans or null
const RESERVED = /^(y|n|yes|no|on|off|true|false|null|nan|inf)$/i;

function isScalar(v: unknown): boolean {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function isEmpty(v: unknown): boolean {
  return Array.isArray(v) ? v.length === 0 : isObject(v) && entries(v).length === 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entries(o: Record<string, unknown>): [string, unknown][] {
  return Object.entries(o).filter(([, v]) => v !== undefined);
}

// characters JSON leaves as they are but YAML 1.1 reads as line breaks (NEL, LS, PS) or refuses (C1 controls, BOM)
const UNSAFE_FOR_YAML = /[\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/g;

export function quoteString(s: string): string {
  if (PLAIN.test(s) && !RESERVED.test(s)) return s;
  return JSON.stringify(s).replace(UNSAFE_FOR_YAML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function scalar(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`YAML writer: ${v} is not a finite number`);
    return String(v);
  }
  if (Array.isArray(v)) return '[]';
  if (isObject(v)) return '{}';
  throw new Error(`YAML writer: cannot write a ${typeof v}`);
}

/** The lines of a non-empty object or array at an indent. */
function lines(v: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  const out: string[] = [];
  if (Array.isArray(v)) {
    for (const item of v) {
      if (item === undefined) throw new Error('YAML writer: undefined array item');
      if (isScalar(item) || isEmpty(item)) {
        out.push(`${pad}- ${scalar(item)}`);
      } else {
        // the item's first line goes after the dash, the rest line up with it
        const inner = lines(item, indent + 2);
        out.push(`${pad}- ${inner[0].slice(indent + 2)}`, ...inner.slice(1));
      }
    }
    return out;
  }
  if (!isObject(v)) throw new Error(`YAML writer: cannot write a ${typeof v}`);
  for (const [key, item] of entries(v)) {
    const k = quoteString(key);
    if (isScalar(item) || isEmpty(item)) out.push(`${pad}${k}: ${scalar(item)}`);
    else out.push(`${pad}${k}:`, ...lines(item, indent + 2));
  }
  return out;
}
