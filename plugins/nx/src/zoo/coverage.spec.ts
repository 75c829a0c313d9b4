import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { failuresRoot } from '../toolchain/failure-record';
import { oneLine } from '../utils/one-line';
import { collectCell, readJson } from './coverage';
import { coverageHtml } from './coverage-html';
import { coverageMarkdown } from './coverage-markdown';
import { buildCoverage } from './coverage-report';

const ok = { ok: true as const, key: 'k', artifact: 'saved_model', seconds: 1, cached: false };
const since = new Date('2026-01-01T00:00:00Z');

function write(root: string, path: string, value: unknown) {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), JSON.stringify(value));
}

function failure(root: string, project: string, step: string, message: string, at = '2026-01-02T00:00:00Z', outputs = {}) {
  write(root, join('.tf2aif', 'failures', project, `${step}.json`), { project, step, kind: 'user', message, exitCode: 2, signal: null, at, outputs });
}

describe('coverage cells', () => {
  it('reads a half-written step record as not there yet (Nx restores cached outputs file by file)', () => {
    const root = mkdtempSync(join(tmpdir(), 'cov-'));
    writeFileSync(join(root, 'verify.json'), '{"passed": tr');
    expect(readJson(join(root, 'verify.json'))).toBeNull();
    write(root, 'dist/variants/m-cpu/verify/verify.json', { passed: true });
    writeFileSync(join(root, 'dist/variants/m-cpu/artifact.json'), '');
    expect(collectCell(root, 'm', 'cpu', since, ok, { ok: true, cached: false }).status).toBe('verified');
    expect(readJson(join(root, 'absent.json'))).toBeNull();
  });

  it('reads a verified cell, a failure at its stage with the figures of a failed verify, and stale records', () => {
    const root = mkdtempSync(join(tmpdir(), 'cov-'));
    expect(failuresRoot(root)).toBe(join(root, '.tf2aif', 'failures'));
    write(root, 'dist/models/m/model.json', {});
    write(root, 'dist/variants/m-cpu/convert/artifact.json', { seconds: 2 });
    write(root, 'dist/variants/m-cpu/verify/verify.json', {
      passed: true,
      seconds: 1.5,
      executedWith: 'LiteRT',
      outputs: { y: { minCosine: 0.99, maxAbsError: 0.1, top1Agreement: 1 } },
    });
    const verified = collectCell(root, 'm', 'cpu', since, ok, { ok: true, cached: false });
    expect(verified).toMatchObject({
      status: 'verified',
      stage: null,
      seconds: 3.5,
      figures: { minCosine: 0.99, maxAbsError: 0.1, top1Agreement: 1 },
    });

    write(root, 'dist/variants/m-arm/convert/artifact.json', { seconds: 2, staticBatch: 1, staticBatchReason: 'TensorList ops' });
    write(root, 'dist/variants/m-arm/quantize/artifact.json', { seconds: 1, staticBatch: 1, staticBatchReason: 'TensorList ops' });
    failure(root, 'm-arm', 'quantize', 'TFLite full-integer INT8 quantization failed:\n  - op X\n(tolerances can be set per precision)');
    failure(root, 'm-arm', 'convert', 'an old failure', '2025-12-31T00:00:00Z');
    const failed = collectCell(root, 'm', 'arm', since, ok, { ok: true, cached: false });
    expect(failed).toMatchObject({
      status: 'failed',
      stage: 'quantize',
      reason: 'TFLite full-integer INT8 quantization failed: op X',
      notes: ['converted at static batch 1 (TensorList ops)'],
    });

    failure(root, 'm-gpu', 'verify', 'm-gpu is out of tolerance', undefined, {
      'verify.json': { outputs: { y: { minCosine: 0.5, maxAbsError: 2 } } },
    });
    write(root, 'dist/variants/m-gpu/convert/artifact.json', { seconds: 1 });
    expect(collectCell(root, 'm', 'gpu', since, ok, { ok: true, cached: false })).toMatchObject({ stage: 'verify', figures: { minCosine: 0.5 } });
    expect(collectCell(root, 'm', 'x', since, { ok: false, key: 'k', message: 'export failed: boom' }, undefined)).toMatchObject({
      stage: 'export',
      reason: 'export failed: boom',
    });
    expect(collectCell(root, 'm', 'x', since, ok, { ok: false, message: 'nx g failed' })).toMatchObject({ stage: 'add' });
  });

  it("says a cell did not convert because the model's shared export failed, and did not verify because its reference did", () => {
    const root = mkdtempSync(join(tmpdir(), 'cov-'));
    write(root, 'dist/models/m/model.json', {});
    failure(root, 'm-export-onnx-batch8', 'export', 'ONNX conversion for model m failed: out of memory');
    expect(collectCell(root, 'm', 'gpu', since, ok, { ok: true, cached: false })).toMatchObject({
      stage: 'convert',
      reason: 'ONNX conversion for model m failed: out of memory',
    });
    write(root, 'dist/variants/m-cpu/convert/artifact.json', { seconds: 1 });
    failure(root, 'm', 'reference', 'the original cannot run on its verify samples');
    expect(collectCell(root, 'm', 'cpu', since, ok, { ok: true, cached: false })).toMatchObject({
      stage: 'verify',
      reason: 'the original cannot run on its verify samples',
    });
  });

  it('writes the matrix and the failing cells in Markdown and HTML', () => {
    const cells = [
      {
        model: 'm',
        platform: 'cpu',
        variant: 'm-cpu',
        status: 'verified' as const,
        stage: null,
        reason: null,
        figures: { minCosine: 0.999, maxAbsError: 0.01, top1Agreement: 1 },
        seconds: 3,
        notes: [],
        executedWith: 'LiteRT',
      },
      {
        model: 'm',
        platform: 'arm',
        variant: 'm-arm',
        status: 'failed' as const,
        stage: 'convert' as const,
        reason: 'op <Foo> | bar',
        figures: null,
        seconds: null,
        notes: [],
        executedWith: null,
      },
    ];
    const coverage = buildCoverage(
      [{ name: 'm', builder: 'b', args: {}, export: 'keras', task: 'classification', seed: 0, about: 'a model' }],
      ['cpu', 'arm'],
      cells,
      12.3,
      null,
    );
    expect(coverage.totals).toEqual({ cells: 2, verified: 1, failed: 1, verifiedShare: 0.5 });
    const md = coverageMarkdown(coverage);
    expect(md).toContain('| m | ✔ 0.999 | ✖ convert |');
    expect(md).toContain('- **m-arm** (convert): op <Foo> \\| bar');
    const html = coverageHtml(coverage);
    expect(html).toContain('op &lt;Foo&gt; | bar');
    expect(html).toContain('<a href="../report/report.html">');
  });

  it('folds multi-line messages into one line', () => {
    expect(oneLine('a is out:\n  - output y: low\n  - output z: lower\n(tolerances can be set per precision in tf2aif.json)')).toBe(
      'a is out: output y: low; output z: lower',
    );
    expect(oneLine('x'.repeat(500)).length).toBe(400);
  });
});
