import { describe, expect, it } from 'vitest';
import { mixedPrecisionNote } from './mixed-precision-note';

describe('mixedPrecisionNote', () => {
  it('names the float layers, their share and what full INT8 measured', () => {
    const meta = {
      mixedPrecision: {
        found: true,
        summary: 'mixed INT8 (2 layers float, 0.2% of MACs)',
        fullInt8: { minCosine: 0.63079 },
        floatLayers: [
          { node: 'functional_1/spread_1/MatMul', op: 'MatMul' },
          { node: 'functional_1/head_1/MatMul', op: null },
        ],
      },
    };
    expect(mixedPrecisionNote(meta)).toBe(
      'mixed INT8 (2 layers float, 0.2% of MACs): functional_1/spread_1/MatMul (MatMul), functional_1/head_1/MatMul; full INT8 had min cosine 0.6308',
    );
  });

  it('says nothing for full INT8, a search that found nothing, or no record', () => {
    expect(mixedPrecisionNote({})).toBeNull();
    expect(mixedPrecisionNote({ mixedPrecision: { found: false, reason: 'quantize.fallback is "none"' } })).toBeNull();
    expect(mixedPrecisionNote(undefined)).toBeNull();
  });

  it('shortens a long list of layers', () => {
    const floatLayers = Array.from({ length: 6 }, (_, i) => ({ node: `l${i}`, op: 'Conv' }));
    const note = mixedPrecisionNote({
      mixedPrecision: { found: true, summary: 'mixed INT8 (6 layers float, 9.0% of MACs)', fullInt8: { minCosine: 0.9 }, floatLayers },
    });
    expect(note).toContain('l3 (Conv) and 2 more');
  });
});
