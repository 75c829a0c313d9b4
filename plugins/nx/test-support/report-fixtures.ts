import type { VariantFacts } from '../src/report/build-report';
import type { VariantResult } from '../src/report/variant-results';

/** Results as the targets write them, for report tests: one measured CPU variant, one GPU variant not run here. */
export const facts: VariantFacts[] = [
  {
    variant: 'resnet50-cpu',
    model: 'resnet50',
    platform: 'cpu',
    title: 'x86-64 CPU',
    hardware: 'an x86-64 CPU',
    arch: 'amd64',
    runtime: 'tflite',
    precision: 'int8',
    batchSize: 1,
    runsOn: 'x86_64',
  },
  {
    variant: 'resnet50-gpu',
    model: 'resnet50',
    platform: 'gpu',
    title: 'NVIDIA GPU',
    hardware: 'an NVIDIA GPU',
    arch: 'amd64',
    runtime: 'onnxruntime-tensorrt',
    precision: 'int8',
    batchSize: 8,
    runsOn: 'nvidia-gpu',
  },
  {
    variant: 'resnet50-cpu-tf',
    model: 'resnet50',
    platform: 'cpu-tf',
    title: 'TF on x86',
    hardware: 'an x86-64 CPU',
    arch: 'amd64',
    runtime: 'tensorflow',
    precision: 'fp32',
    batchSize: 1,
    runsOn: 'x86_64',
    baselineOf: 'cpu',
  },
  {
    variant: 'digits-arm',
    model: 'digits',
    platform: 'arm',
    title: 'ARM CPU',
    hardware: 'an arm64 CPU',
    arch: 'arm64',
    runtime: 'tflite',
    precision: 'int8',
    batchSize: 1,
    runsOn: 'aarch64',
  },
];

const verify = (trained: boolean) => ({
  passed: true,
  samples: 16,
  inputOrigin: trained ? 'loader:digits_data.py' : 'random',
  trained,
  outputs: { output_0: { maxAbsError: 0.01, minCosine: 0.999, top1Agreement: 1 } },
  accuracy: trained ? { reference: 0.977, variant: 0.973, deltaPoints: -0.4, samples: 256 } : null,
});

const convert = (variant: string) => ({
  variant,
  platform: 'x',
  runtime: 'tflite',
  precision: 'int8',
  batchSize: 1,
  artifact: 'model.tflite',
  sizeBytes: 26_000_000,
  seconds: 30,
  format: 'tflite',
});

export const results = new Map<string, VariantResult>([
  [
    'resnet50-cpu',
    {
      variant: 'resnet50-cpu',
      problems: [],
      convert: convert('resnet50-cpu'),
      verify: verify(false),
      bench: {
        status: 'measured',
        latency: { http: { p50: 8.8, p90: 9.5, p99: 11, stable: true }, inProcess: { p50: 8.2, p90: 8.6, p99: 9 }, serverOverhead: 0.073 },
        throughput: { batch: 1, http: { perSecond: 118, stable: true, errors: 0 }, inProcess: { perSecond: 121 }, httpShareOfInProcess: 0.975 },
        baselines: {
          tfSignature: { p50: 46, p90: 47, p99: 50 },
          kerasPredict: { p50: 112, p90: 120, p99: 130 },
          speedupVsTfSignature: 5.6,
          speedupVsKerasPredict: 13.6,
        },
        flopsPerSample: 7.7e9,
        achievedGflops: { batch1: 400, throughput: 395 },
      },
    },
  ],
  [
    'resnet50-gpu',
    {
      variant: 'resnet50-gpu',
      problems: [],
      convert: convert('resnet50-gpu'),
      verify: verify(false),
      bench: { status: 'not-run', reason: 'needs an NVIDIA GPU (nvidia-smi finds none)' },
    },
  ],
  ['digits-arm', { variant: 'digits-arm', problems: [], convert: convert('digits-arm'), verify: verify(true) }],
]);

export const ceiling = { machine: { cpu: 'Test CPU', cores: 2, arch: 'x86_64' }, fp32Gflops: 235, fp32Kernel: 'XNNPACK via LiteRT', int8Gops: 878 };
