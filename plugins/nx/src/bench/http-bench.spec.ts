import { describe, expect, it } from 'vitest';
import { randomInputs } from './http-bench';
import type { ModelMetadata } from './v2-client';

describe('random bench inputs', () => {
  it('follow each input dtype and the valid range of integer ids', () => {
    const meta: ModelMetadata = {
      name: 'tabular',
      inputs: [
        { name: 'category', datatype: 'INT32', shape: [-1, 1], range: [0, 49] },
        { name: 'features', datatype: 'FP32', shape: [-1, 20], range: [0, 1] },
        { name: 'pixels', datatype: 'UINT8', shape: [-1, 4, 4, 3], range: [0, 99] },
        { name: 'ids', datatype: 'INT64', shape: [-1, 8], range: [3, 5] },
      ],
      outputs: [],
    };
    const [category, features, pixels, ids] = randomInputs(meta, 64);
    expect(category.shape).toEqual([64, 1]);
    const cats = Array.from({ length: 64 }, (_, i) => category.data.readInt32LE(i * 4));
    expect(Math.min(...cats)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...cats)).toBeLessThanOrEqual(49);
    expect(new Set(cats).size).toBeGreaterThan(10);
    const floats = Array.from({ length: 64 * 20 }, (_, i) => features.data.readFloatLE(i * 4));
    expect(Math.min(...floats)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...floats)).toBeLessThan(1);
    expect(Math.max(...pixels.data)).toBeLessThanOrEqual(99);
    const longs = Array.from({ length: 64 * 8 }, (_, i) => Number(ids.data.readBigInt64LE(i * 8)));
    expect(new Set(longs)).toEqual(new Set([3, 4, 5]));
  });

  it('give a float input with a range (pixels) values across it', () => {
    const meta: ModelMetadata = {
      name: 'cnn',
      inputs: [{ name: 'image', datatype: 'FP32', shape: [-1, 8, 8, 3], range: [0, 255] }],
      outputs: [],
    };
    const [image] = randomInputs(meta, 4);
    const values = Array.from({ length: 4 * 8 * 8 * 3 }, (_, i) => image.data.readFloatLE(i * 4));
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeGreaterThan(200);
    expect(Math.max(...values)).toBeLessThanOrEqual(255);
  });

  it('refuse an input the metadata gives no range for, by name', () => {
    const meta: ModelMetadata = { name: 'foreign', inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [] };
    expect(() => randomInputs(meta, 1)).toThrow(/input x: the server's metadata gives no value range/);
  });
});
