import { z } from 'zod';

/**
 * Executor options are written by createNodes and may be overridden in project.json or on the
 * command line; they are checked here, at the boundary, before any work starts.
 */
const tensorSpec = z.object({
  name: z.string().min(1),
  shape: z.array(z.number().int().positive().nullable()).min(1),
  dtype: z.string(),
  range: z.tuple([z.number(), z.number()]).optional(),
});

const workspacePath = z.string().min(1);

export const buildModelOptionsSchema = z.looseObject({
  model: z.string().min(1),
  modelDir: workspacePath,
  source: z.object({ format: z.enum(['script', 'savedmodel', 'keras']), path: z.string().min(1), seed: z.number().int().default(0) }),
  inputs: z.array(tensorSpec).min(1),
  outputPath: workspacePath,
  toolchainDir: workspacePath,
});

const variantBase = z.looseObject({
  model: z.string().min(1),
  variant: z.string().min(1),
  platform: z.string().min(1),
  runtime: z.string().min(1),
  precision: z.enum(['fp32', 'fp16', 'int8']),
  batchSize: z.number().int().positive(),
  task: z.enum(['classification', 'segmentation', 'other']),
  inputs: z.array(tensorSpec).min(1),
  modelPath: workspacePath,
  outputPath: workspacePath,
  toolchainDir: workspacePath,
});

const calibration = z.object({
  loader: z.string().optional(),
  dataset: z.string().optional(),
  samples: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  random: z.boolean(),
  method: z.enum(['minmax', 'entropy', 'percentile']).default('minmax'),
});

export const convertOptionsSchema = variantBase.extend({ converter: z.string().min(1) });

export const quantizeOptionsSchema = variantBase.extend({
  quantizer: z.string().min(1),
  calibration,
  convertPath: workspacePath,
});

export const verifyOptionsSchema = variantBase.extend({
  executor: z.string().min(1),
  calibration,
  verify: z.object({ samples: z.number().int().positive(), seed: z.number().int(), tolerances: z.record(z.string(), z.any()) }),
  artifactPath: workspacePath,
  convertPath: workspacePath.optional(),
});

export const compileOptionsSchema = variantBase.extend({
  compiler: z.string().min(1),
  artifactPath: workspacePath,
});
