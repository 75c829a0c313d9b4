import { describe, expect, it } from 'vitest';
import { decodeResponse, encodeBinaryRequest, float32Tensor, toFloat32 } from './v2-client';

describe('Open Inference Protocol binary encoding', () => {
  it('puts a JSON header with byte sizes before the little-endian tensors', () => {
    const t = float32Tensor('image', [1, 2], [1.5, -2]);
    const { body, headerLength } = encodeBinaryRequest([t], ['output_0']);
    const header = JSON.parse(body.subarray(0, headerLength).toString());
    expect(header).toEqual({
      inputs: [{ name: 'image', shape: [1, 2], datatype: 'FP32', parameters: { binary_data_size: 8 } }],
      outputs: [{ name: 'output_0', parameters: { binary_data: true } }],
    });
    expect(body.readFloatLE(headerLength)).toBe(1.5);
    expect(body.readFloatLE(headerLength + 4)).toBe(-2);
  });

  it('decodes binary and JSON outputs', () => {
    const header = Buffer.from(
      JSON.stringify({
        outputs: [
          { name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
          { name: 'b', datatype: 'FP32', shape: [1, 2], data: [3, 4] },
        ],
      }),
    );
    const data = Buffer.alloc(8);
    data.writeFloatLE(0.25, 0);
    data.writeFloatLE(7, 4);
    const [a, b] = decodeResponse(Buffer.concat([header, data]), header.length);
    expect(Array.from(toFloat32(a))).toEqual([0.25, 7]);
    expect(Array.from(toFloat32(b))).toEqual([3, 4]);
    expect(() => float32Tensor('x', [3], [1, 2])).toThrow(/2 values for shape \[3\]/);
  });
});
