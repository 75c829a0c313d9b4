import { describe, expect, it } from 'vitest';
import { buildReport } from './build-report';
import { ceiling, facts, results } from '../../test-support/report-fixtures';
import { markdownReport } from './markdown';

describe('report', () => {
  const report = buildReport(facts, results, ceiling, new Date('2026-01-01T00:00:00Z'));
  const byName = Object.fromEntries(report.variants.map((v) => [v.variant, v]));

  it('profiles a measured variant with its latency, throughput, speedups and share of peak', () => {
    expect(byName['resnet50-cpu']).toMatchObject({
      stages: { converted: true, verified: true, bench: 'measured' },
      latencyMs: { p50: 8.8, p99: 11 },
      serverOverhead: 0.073,
      throughput: { batch: 1, perSecond: 118, shareOfInProcess: 0.975 },
      speedup: { vsTfFunction: 5.6, vsModelPredict: 13.6 },
      shareOfPeak: Number((400 / 878).toFixed(4)),
    });
  });

  it('says what was done and why the rest was not, with no invented numbers', () => {
    const gpu = byName['resnet50-gpu'];
    expect(gpu.latencyMs).toBeNull();
    expect(gpu.speedup).toBeNull();
    expect(gpu.notes).toContain('not benchmarked here: needs an NVIDIA GPU (nvidia-smi finds none)');
    expect(byName['resnet50-cpu-tf'].notes).toContain('not converted yet (nx run resnet50-cpu-tf:convert)');
    expect(byName['digits-arm'].notes).toContain('not benchmarked yet (nx run digits-arm:bench)');
    expect(byName['digits-arm'].accuracy).toMatchObject({ variantAccuracy: 0.973, deltaPoints: -0.4 });
  });

  it('checks the goals against the measured figures', () => {
    expect(report.goals.map((g) => [g.met, g.measured])).toEqual([
      [true, 'resnet50-cpu: x5.60'],
      [true, 'resnet50-cpu: x13.60'],
      [true, 'resnet50-cpu +7.3%'],
      [true, 'resnet50-cpu 97.5%'],
    ]);
    const none = buildReport(facts, new Map(), null);
    expect(none.goals.every((g) => g.met === null && g.measured === 'not measured')).toBe(true);
  });

  it('says where a variant outruns the measured ceiling that the ceiling is wrong, naming its kernel', () => {
    const low = { ...ceiling, int8Gops: 300, int8Kernel: 'XNNPACK via LiteRT, GEMM' };
    const cpu = buildReport(facts, results, low).variants.find((v) => v.variant === 'resnet50-cpu')!;
    expect(cpu.shareOfPeak).toBeGreaterThan(1);
    expect(cpu.notes.join('\n')).toContain('of the measured ceiling (300 GOP/s, XNNPACK via LiteRT, GEMM): the ceiling is wrong');
    expect(byName['resnet50-cpu'].notes.join('\n')).not.toContain('ceiling is wrong');
  });

  it('names the ISA the speedup goals assume and the one they were measured on', () => {
    const onAvx2 = buildReport(facts, results, { ...ceiling, isa: 'AVX2' });
    expect(onAvx2.goals[0].goal).toBe(
      'ResNet50 batch 1: best CPU variant >= 5x faster than native tf.function (assumes AVX-512 VNNI; measured on AVX2)',
    );
    const md = markdownReport({
      ...onAvx2,
      machine: { ...onAvx2.machine!, theoretical: { fp32Gflops: 179.2, int8Gops: 358.4, basis: '2 logical cores x 2.8 GHz' } },
    });
    expect(md).toContain(
      'measured ceiling 235 GFLOP/s FP32 (XNNPACK via LiteRT), 878 GOP/s INT8; ' +
        'theoretical 179.2 GFLOP/s FP32, 358.4 GOP/s INT8 (2 logical cores x 2.8 GHz)',
    );
  });

  it('writes a Markdown table row per variant', () => {
    const md = markdownReport(report);
    expect(md).toContain('| resnet50-cpu | cpu | tflite | int8 | 26.00 | top-1 agree 100% | 8.80 | 11.00 | 7.3% | 118.0 (1) | ×5.60 | ×13.60 |');
    expect(md).toMatch(/\| resnet50-gpu \|.*not benchmarked here: needs an NVIDIA GPU/);
  });
});
