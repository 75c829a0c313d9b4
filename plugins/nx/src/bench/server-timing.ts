/**
 * The W3C Server-Timing header our server puts on every infer response (`infer;dur=58.312, ...`, milliseconds).
 * The LAT bench reads it so the server's overhead is measured on the very requests it timed: TensorFlow on this
 * 2-core machine has slow spells of 1-3 s (the same model in-process costs ~1.5x its CPU time per inference then),
 * and two samples taken seconds apart, one over HTTP and one in-process, disagree by up to 60% whenever one of
 * them falls into a spell, though the server adds nothing.
 */

/** The stages the runtime's own call covers, as the in-process bench times it (service.infer). */
const RUNTIME_STAGES = ['preprocess', 'queue', 'infer', 'postprocess'] as const;

/** name -> milliseconds; null when the header is absent or malformed (another server, an older image). */
export function parseServerTiming(header: string | undefined): Record<string, number> | null {
  if (!header) return null;
  const out: Record<string, number> = {};
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    const value = dur === undefined ? NaN : Number(dur.slice(4));
    if (!name || !Number.isFinite(value)) return null;
    out[name] = value;
  }
  return out;
}

/** The milliseconds the request spent in the runtime's call (preprocess to postprocess); null without them. */
export function runtimeMs(timing: Record<string, number> | null): number | null {
  if (!timing || !RUNTIME_STAGES.every((s) => s in timing)) return null;
  return RUNTIME_STAGES.reduce((sum, s) => sum + timing[s], 0);
}
