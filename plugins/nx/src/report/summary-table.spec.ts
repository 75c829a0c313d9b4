import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { formatSummaryTable } from './summary-table';
import { collectVariantResults } from './variant-results';

function write(root: string, path: string, data: object) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), JSON.stringify(data));
}

const convert = {
  variant: 'd-arm',
  platform: 'arm',
  runtime: 'tflite',
  precision: 'int8',
  batchSize: 1,
  artifact: 'model.tflite',
  sizeBytes: 52_000,
  seconds: 2.25,
  convertSeconds: 3,
};
const verify = {
  passed: true,
  samples: 256,
  inputOrigin: 'loader:digits_data.py',
  trained: true,
  outputs: { output_0: { maxAbsError: 0.05, minCosine: 0.99542, top1Agreement: 1 } },
  accuracy: { reference: 0.9766, variant: 0.9727, deltaPoints: -0.39, samples: 256 },
};

describe('summary table', () => {
  it("reads each variant's deployed artifact and verification, and says what is missing", () => {
    const root = mkdtempSync(join(tmpdir(), 'tf2aif-summary-'));
    write(root, 'dist/variants/d-arm/convert/artifact.json', { ...convert, precision: 'fp32', sizeBytes: 160_000 });
    write(root, 'dist/variants/d-arm/quantize/artifact.json', convert);
    write(root, 'dist/variants/d-arm/verify/verify.json', verify);
    write(root, 'dist/variants/d-arm/bench/bench.json', { status: 'not-run', reason: 'needs an arm64 CPU' });
    write(root, 'dist/variants/d-gpu/convert/artifact.json', { ...convert, variant: 'd-gpu', runtime: 'onnxruntime' });
    write(root, 'dist/variants/d-bad/verify/verify.json', { passed: 'yes' });
    const results = collectVariantResults(root);
    expect(results.map((r) => r.variant)).toEqual(['d-arm', 'd-bad', 'd-gpu']);
    expect(results[1].problems[0]).toMatch(/d-bad\/verify\/verify\.json: passed: /);
    const lines = formatSummaryTable(results).split('\n');
    expect(lines[0]).toMatch(/^variant\s+runtime\s+precision/);
    expect(lines[2]).toMatch(
      /^d-arm\s+tflite\s+int8\s+1\s+0\.05\s+5\.3\s+verified\s+0\.99542\s+1\.000\s+97\.3% \(-0\.4\)\s+not here\s+-\s+loader:digits_data\.py$/,
    );
    expect(lines[3]).toMatch(/^d-bad .* unreadable result/);
    expect(lines[4]).toMatch(/^d-gpu .* not verified/);
  });
});
