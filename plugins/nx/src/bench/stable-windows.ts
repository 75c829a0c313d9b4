/** Windows of measurements until the last `consecutive` agree within `tolerance` (the same rule as the Python bench). */
export interface WindowsResult {
  values: number[];
  stable: boolean;
  seconds: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const rank = (p / 100) * (s.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return s[lo] + (s[hi] - s[lo]) * (rank - lo);
}

export function withinTolerance(values: number[], tolerance: number): boolean {
  const mid = median(values);
  return mid > 0 && values.every((v) => Math.abs(v - mid) / mid <= tolerance);
}

export async function untilStable(
  window: () => Promise<number>,
  opts: {
    consecutive?: number;
    tolerance?: number;
    minWindows?: number;
    maxSeconds: number;
    onWindow?: (n: number, value: number, stable: boolean) => void;
  },
): Promise<WindowsResult> {
  const consecutive = opts.consecutive ?? 3;
  const tolerance = opts.tolerance ?? 0.1;
  const minWindows = Math.max(opts.minWindows ?? consecutive, consecutive);
  const start = Date.now();
  const values: number[] = [];
  for (;;) {
    values.push(await window());
    const stable = values.length >= minWindows && withinTolerance(values.slice(-consecutive), tolerance);
    opts.onWindow?.(values.length, values[values.length - 1], stable);
    const seconds = (Date.now() - start) / 1000;
    if (stable || seconds >= opts.maxSeconds) return { values, stable, seconds };
  }
}
