import { describe, expect, it } from 'vitest';
import { percentile, untilStable, withinTolerance } from './stable-windows';

describe('stable windows', () => {
  it('stops at the first three consecutive windows within 10%', async () => {
    const series = [10, 20, 12, 11.5, 11, 30];
    let i = 0;
    const result = await untilStable(async () => series[i++], { maxSeconds: 60 });
    expect(result.values).toEqual([10, 20, 12, 11.5, 11]);
    expect(result.stable).toBe(true);
  });

  it('measures at least minWindows windows even when the first ones agree', async () => {
    const series = [10, 10, 10, 10, 10, 10];
    let i = 0;
    const result = await untilStable(async () => series[i++], { maxSeconds: 60, minWindows: 5, tolerance: 0.05 });
    expect(result.values).toHaveLength(5);
    expect(result.stable).toBe(true);
  });

  it('gives up after the time bound and says it is not stable', async () => {
    let i = 0;
    const result = await untilStable(async () => (i++ % 2 ? 1 : 2), { maxSeconds: 0 });
    expect(result.stable).toBe(false);
    expect(result.values).toHaveLength(1);
  });

  it('computes interpolated percentiles and relative tolerance', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([5], 99)).toBe(5);
    expect(withinTolerance([100, 109, 95], 0.1)).toBe(true);
    expect(withinTolerance([100, 115, 95], 0.1)).toBe(false);
  });
});
