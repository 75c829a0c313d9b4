/** A multi-line toolchain message as one line: bullets joined, the generic tolerance hint dropped, capped. */
export function oneLine(message: string, max = 400): string {
  const text = message
    .split('\n')
    .map((l) => l.trim().replace(/^- /, ''))
    .filter((l) => l && !l.startsWith('(tolerances can be set'))
    .join('; ')
    .replace(/:;/g, ':');
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
