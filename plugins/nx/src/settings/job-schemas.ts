import { z } from 'zod';
import {
  calibrationSchema,
  modelConfigSchema,
  modelSourceSchema,
  platformOptionsSchema,
  tensorSpecSchema,
  toleranceSchema,
  valueRangesSchema,
  verifySchema,
} from '../config/model-config.schema';
import { precisionSchema } from '../platforms/platform-descriptor';

/**
 * The job each Python toolchain step receives: the contract at the TypeScript-Python seam. The executors parse
 * their resolved settings with these schemas; the toolchain checks every job file against the JSON Schema
 * generated from them (packages/toolchain/tf2aif_toolchain/job.schema.json, `npm run schema`). Strict: a key
 * nobody reads is a typo. tf2aif.json's parts are the config schema's own, read as output, so every default
 * is the config schema's and the toolchain applies none of its own.
 */

const workspacePath = z.string().min(1).describe('workspace-relative path');
const name = z.string().min(1);
const stepBase = { outputPath: workspacePath };
const seed = z.number().int().nonnegative();

/** A step that draws samples: which seed each draw uses and the value range of inputs without one (draw-settings.ts). */
const drawJob = {
  seeds: z
    .strictObject({ calibration: seed, verification: seed, check: seed.describe("mixed precision's accuracy check") })
    .describe('the seed of each draw; they differ so no check grades the samples another draw picked'),
  valueRanges: valueRangesSchema,
};
const tolerance = toleranceSchema.describe("the tolerance of this variant's precision, resolved (defaults under tf2aif.json's verify.tolerances)");

export const buildModelJobSchema = z.strictObject({
  model: name,
  modelDir: workspacePath,
  source: modelSourceSchema,
  inputs: z.array(tensorSpecSchema).min(1),
  ...stepBase,
});

const floatLayers = z
  .string()
  .min(1)
  .nullable()
  .describe('how the runtime runs layers an INT8 model keeps in float (descriptor floatLayers); null: it cannot');

const fallbackRuntime = z.strictObject({
  runtime: name,
  converter: name,
  quantizer: name.nullable(),
  executor: name,
  serveExecutor: name,
  requirements: name,
  floatLayers: floatLayers.default(null),
});

const variantJob = {
  model: name,
  variant: name,
  platform: name,
  arch: name,
  runtime: name,
  precision: precisionSchema,
  batchSize: z.number().int().positive(),
  task: modelConfigSchema.shape.task,
  trained: z.boolean(),
  inputs: z.array(tensorSpecSchema).min(1),
  modelPath: workspacePath,
  fallbacks: z
    .array(fallbackRuntime)
    .default([])
    .describe("the platform's fallback runtimes, in order: convert tries them where the runtime's converter cannot express an op"),
  ...stepBase,
};

export const exportJobSchema = z.strictObject({
  model: name,
  converter: name.describe('module in tf2aif_toolchain/converters/'),
  batchSize: z
    .number()
    .int()
    .positive()
    .describe('the batch size the export is made for (1 where the converter keeps the batch as the model has it)'),
  inputs: z.array(tensorSpecSchema).min(1),
  modelPath: workspacePath,
  onlyIfRefused: z
    .array(workspacePath)
    .optional()
    .describe("a fallback runtime's export: converted only where one of these exports refused an op (absent: always)"),
  ...stepBase,
});

export const convertJobSchema = z.strictObject({
  ...variantJob,
  converter: name.describe('module in tf2aif_toolchain/converters/'),
  exports: z
    .array(z.strictObject({ runtime: name, converter: name, path: workspacePath }))
    .min(1)
    .describe("the model's exports the variant starts from, in the order tried: its runtime's converter's, then its fallback runtimes'"),
});

export const referenceJobSchema = z.strictObject({
  model: name,
  inputs: z.array(tensorSpecSchema).min(1),
  calibration: calibrationSchema,
  verify: verifySchema,
  ...drawJob,
  modelPath: workspacePath,
  ...stepBase,
});

export const quantizeJobSchema = z.strictObject({
  ...variantJob,
  quantizer: name.describe('module in tf2aif_toolchain/quantizers/'),
  executor: name.describe('module in tf2aif_toolchain/runtimes/ that runs the artifact (the accuracy check)'),
  ioType: platformOptionsSchema.shape.ioType,
  calibration: calibrationSchema,
  verify: modelConfigSchema.shape.verify.describe("verify's settings: the quantize step checks INT8 against the float model the same way"),
  tolerance,
  ...drawJob,
  mixedPrecision: modelConfigSchema.shape.quantize,
  floatLayers: floatLayers.default(null),
  convertPath: workspacePath,
  sharedCalibrationPath: workspacePath
    .optional()
    .describe("the model's shared calibration for this quantizer (its calibrate step), where the quantizer has one"),
});

export const calibrateJobSchema = z.strictObject({
  model: name,
  quantizer: name.describe('module in tf2aif_toolchain/quantizers/ (one with calibrate_shared)'),
  inputs: z.array(tensorSpecSchema).min(1),
  calibration: calibrationSchema,
  exports: z
    .array(z.strictObject({ batchSize: z.number().int().positive(), path: workspacePath }))
    .min(1)
    .describe('the exports of the batch sizes its variants run at'),
  ...drawJob,
  modelPath: workspacePath,
  ...stepBase,
});

export const verifyJobSchema = z.strictObject({
  ...variantJob,
  executor: name.describe('module in tf2aif_toolchain/runtimes/ that runs the artifact'),
  calibration: calibrationSchema,
  verify: verifySchema,
  tolerance,
  ...drawJob,
  artifactPath: workspacePath,
  convertPath: workspacePath.optional().describe('the float model a quantized variant started from'),
  referencePath: workspacePath.describe("the model's reference step's output: the original's outputs on verify's samples"),
});

export const compileJobSchema = z.strictObject({
  ...variantJob,
  compiler: name.describe('module in tf2aif_toolchain/compilers/'),
  dockerHost: z.string().min(1).describe('the Docker Engine a compiler that runs in a container talks to (image/docker-engine.ts)'),
  artifactPath: workspacePath,
});

export const inprocessBenchJobSchema = z.strictObject({
  variantConfig: workspacePath.describe("the variant's server configuration (LAT mode)"),
  modelPath: workspacePath,
  maxSeconds: z.number().positive(),
});

export const ceilingJobSchema = z.strictObject({
  ...stepBase,
  gemm: z
    .tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()])
    .default([256, 2048, 2048])
    .describe('M, K, N of the GEMM measured'),
});

const resources = z.strictObject({ cores: z.number().nonnegative(), memoryMiB: z.number().nonnegative(), accelerators: z.number().nonnegative() });

/** The placement as the solver sees it (the plugin decided every option; plan/solver.py only chooses). */
export const planJobSchema = z.strictObject({
  ...stepBase,
  objective: z.enum(['cost', 'power']),
  pools: z
    .array(
      z.strictObject({
        name,
        nodes: z.number().int().nonnegative(),
        costPerHour: z.number().nonnegative(),
        watts: z.number().nonnegative(),
        capacity: resources,
      }),
    )
    .min(1),
  models: z.array(
    z.strictObject({
      model: name,
      options: z
        .array(
          z.strictObject({ id: name, pool: name, replicas: z.number().int().positive(), rank: z.number().int().nonnegative(), demand: resources }),
        )
        .min(1),
    }),
  ),
});

/** Every step the toolchain runs (`python -m tf2aif_toolchain <step>`), with its job. */
export const jobSchemas = {
  'build-model': buildModelJobSchema,
  export: exportJobSchema,
  convert: convertJobSchema,
  reference: referenceJobSchema,
  calibrate: calibrateJobSchema,
  quantize: quantizeJobSchema,
  verify: verifyJobSchema,
  compile: compileJobSchema,
  'bench-inprocess': inprocessBenchJobSchema,
  ceiling: ceilingJobSchema,
  plan: planJobSchema,
} as const;

export type ToolchainStep = keyof typeof jobSchemas;
