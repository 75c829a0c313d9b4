import { z } from 'zod';
import { precisionSchema, type Precision } from '../platforms/platform-descriptor';

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split(/[\\/]/).includes('..'), 'must be a path inside the model folder');

export const dtypeSchema = z.enum(['float32', 'float16', 'int8', 'uint8', 'int32', 'int64', 'bool']);

// the values an integer dtype can hold (int64 limited to what a JSON number holds exactly)
const integerLimits: Partial<Record<z.output<typeof dtypeSchema>, [number, number]>> = {
  int8: [-128, 127],
  uint8: [0, 255],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

const dims = z.array(z.number().int().positive()).min(1);
export const shapeRangeSchema = z.strictObject({
  min: dims.describe('the smallest shape, without the batch dimension'),
  opt: dims.describe('the typical shape: calibration and bench use it'),
  max: dims.describe('the largest shape'),
});
export type ShapeRange = z.output<typeof shapeRangeSchema>;

/** Unknown dimensions besides the batch need a shape range, and a range must fit the shape it ranges over. */
function checkShapeRange(spec: { shape: (number | null)[]; shapeRange?: ShapeRange }, ctx: z.RefinementCtx) {
  const inner = spec.shape.slice(1);
  const open = inner.some((d) => d === null);
  const example = JSON.stringify({ min: inner.map((d) => d ?? 64), opt: inner.map((d) => d ?? 224), max: inner.map((d) => d ?? 512) });
  if (!spec.shapeRange) {
    if (open) {
      ctx.addIssue({
        code: 'custom',
        path: ['shapeRange'],
        message:
          `required: shape ${JSON.stringify(spec.shape)} has unknown dimensions besides the batch; ` +
          `give the shapes to accept without the batch dimension, e.g. ${example}`,
      });
    }
    return;
  }
  const { min, opt, max } = spec.shapeRange;
  for (const [key, value] of Object.entries({ min, opt, max })) {
    if (value.length !== inner.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['shapeRange', key],
        message: `must have ${inner.length} dimension(s) (the shape without its batch dimension), got ${value.length}`,
      });
      return;
    }
    inner.forEach((d, i) => {
      if (d !== null && value[i] !== d)
        ctx.addIssue({ code: 'custom', path: ['shapeRange', key, i], message: `dimension ${i + 1} of the shape is fixed at ${d}, got ${value[i]}` });
    });
  }
  inner.forEach((d, i) => {
    if (d === null && !(min[i] <= opt[i] && opt[i] <= max[i])) {
      ctx.addIssue({
        code: 'custom',
        path: ['shapeRange'],
        message: `dimension ${i + 1}: needs min <= opt <= max, got ${min[i]}, ${opt[i]}, ${max[i]}`,
      });
    }
  });
}

export const tensorSpecSchema = z
  .strictObject({
    name: z.string().min(1).describe('input name in the model signature'),
    shape: z
      .array(z.union([z.number().int().positive(), z.null()]))
      .min(1)
      .describe('dimensions; null for a dynamic one (the batch dimension first)'),
    dtype: dtypeSchema.default('float32'),
    shapeRange: shapeRangeSchema
      .optional()
      .describe(
        'for an input with unknown dimensions besides the batch (e.g. [null, null, null, 3]): the smallest, typical and ' +
          'largest shape to accept, without the batch dimension (as TensorRT optimization profiles: min, opt, max). ' +
          'Calibration and bench use opt; verify runs min, opt and max; servers answer 400 outside [min, max]',
      ),
    // no default: absent means the range build-model reads from the graph (an embedding's rows), else by dtype
    range: z
      .tuple([z.number(), z.number()])
      .optional()
      .describe(
        'valid [min, max] of the values, for random calibration/verification data and to check loader data: ' +
          'integer inputs get integers in [min, max] inclusive, float inputs uniform in [min, max). ' +
          'Default: read from the model (e.g. [0, rows - 1] for an embedding index), ' +
          "else valueRanges (by the dtype's kind, within what the dtype holds)",
      ),
  })
  .superRefine((spec, ctx) => {
    checkShapeRange(spec, ctx);
    if (!spec.range) return;
    const [min, max] = spec.range;
    const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['range'], message });
    if (min > max) problem(`min must not exceed max, got [${min}, ${max}]`);
    if (spec.dtype === 'bool') problem('dtype bool takes no range');
    const limits = integerLimits[spec.dtype];
    if (limits && !(Number.isInteger(min) && Number.isInteger(max))) problem(`must be whole numbers for dtype ${spec.dtype}, got [${min}, ${max}]`);
    else if (limits && (min < limits[0] || max > limits[1]))
      problem(`must lie within [${limits[0]}, ${limits[1]}] for dtype ${spec.dtype}, got [${min}, ${max}]`);
  });

export const modelSourceSchema = z
  .strictObject({
    format: z
      .enum(['script', 'savedmodel', 'keras'])
      .describe('script: a Python file whose build() returns a Keras model; savedmodel: a TF SavedModel folder; keras: a .keras/.h5 file'),
    path: z.string().min(1).describe('relative to the model folder, or absolute (weights may live outside the workspace)'),
    seed: z.number().int().nonnegative().default(0).describe('random seed set before build() runs'),
  })
  .describe('where the TensorFlow model comes from');

export const calibrationSchema = z
  .strictObject({
    loader: relativePath
      .optional()
      .describe('Python file defining get_dataloader(path, batch_size, samples) that yields input batches (TF2AIF contract)'),
    dataset: relativePath.optional().describe('folder passed to get_dataloader as path'),
    samples: z.number().int().positive().default(100).describe('calibration samples'),
    batchSize: z.number().int().positive().default(10),
    random: z.boolean().default(false).describe('calibrate on random data; only allowed for untrained models'),
    method: z
      .enum(['minmax', 'entropy', 'percentile'])
      .default('minmax')
      .describe("range calibration for ONNX Runtime / TensorRT INT8 (minmax is TF2AIF's; entropy is slow on CPU)"),
  })
  .describe('data for INT8 calibration and verification inputs');

const quantizeFields = {
  fallback: z
    .enum(['mixed', 'none'])
    .describe(
      'where full INT8 misses the verify tolerance: "mixed" keeps the layers that lose most in float until it holds; ' +
        '"none" keeps full INT8 (verify then fails with the INT8 error profile)',
    ),
  maxFloatShare: z.number().min(0).max(1).describe("the largest share of the model's multiply-accumulates mixed precision may keep in float"),
  margin: z
    .number()
    .min(0)
    .max(1)
    .describe(
      "how far past the tolerance a mixed model must be on the check's samples (up to four times verify.samples, its own draw), " +
        'as a share of the way from minCosine to 1: the search picks one of many candidates on them',
    ),
  maxAttempts: z
    .number()
    .int()
    .min(1)
    .max(50)
    .describe(
      'quantizations mixed precision may try: the float set grows 1, 2, 4, ... layers until the check passes, ' +
        'then gives back to INT8 the layers it does not need',
    ),
};

export const quantizeSchema = z
  .strictObject({
    fallback: quantizeFields.fallback.default('mixed'),
    maxFloatShare: quantizeFields.maxFloatShare.default(0.25),
    maxAttempts: quantizeFields.maxAttempts.default(16),
    margin: quantizeFields.margin.default(0.2),
  })
  .describe('INT8 quantization: accuracy-aware mixed precision where full INT8 misses the verify tolerance');

export const platformOptionsSchema = z.strictObject({
  platform: z
    .string()
    .optional()
    .describe('the platform, when the key names a variant of its own (e.g. "cpu-openvino": {"platform": "cpu", "runtime": "openvino"})'),
  runtime: z.string().optional(),
  precision: precisionSchema.optional(),
  batchSize: z.number().int().positive().optional(),
  ioType: z
    .enum(['uint8', 'int8', 'float32'])
    .default('uint8')
    .describe("TFLite full-integer INT8 only: the type of the float model inputs/outputs (TF2AIF's ARM pair uses uint8)"),
  fallback: z
    .boolean()
    .default(true)
    .describe("false: fail where the runtime's converter cannot express an op of the model, instead of switching to the platform's fallback runtime"),
  quantize: z
    .strictObject({
      fallback: quantizeFields.fallback.optional(),
      maxFloatShare: quantizeFields.maxFloatShare.optional(),
      maxAttempts: quantizeFields.maxAttempts.optional(),
      margin: quantizeFields.margin.optional(),
    })
    .optional()
    .describe('this variant\'s quantize settings, over the model\'s (e.g. {"fallback": "none"} for an edge target that must be full INT8)'),
});

export const toleranceSchema = z.strictObject({
  minCosine: z.number().min(-1).max(1).optional(),
  minTop1Agreement: z.number().min(0).max(1).optional(),
  minIouAgreement: z.number().min(0).max(1).optional(),
  minDetectionAgreement: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe("a detector's own NMS outputs: the share of reference detections the variant finds (same class, IoU >= 0.5)"),
  maxAbsError: z.number().nonnegative().optional(),
  maxAccuracyDropPoints: z.number().nonnegative().optional().describe('with labelled data: allowed top-1 accuracy drop, in points'),
});
export type Tolerance = z.output<typeof toleranceSchema>;

/**
 * The tolerance a precision gets where tf2aif.json's `verify.tolerances` does not set a key (merged key by key). An
 * untrained model's class scores are near ties, so arg-max agreement measures noise, not the variant: its
 * agreement checks are enforced only where tf2aif.json sets them.
 */
export const DEFAULT_TOLERANCES: Record<'trained' | 'untrained', Record<Precision, Tolerance>> = (() => {
  const agreement = (a: number, detection = a) => ({ minTop1Agreement: a, minIouAgreement: a, minDetectionAgreement: detection });
  const untrained = {
    fp32: { minCosine: 0.9999, maxAccuracyDropPoints: 0.5 },
    fp16: { minCosine: 0.999, maxAccuracyDropPoints: 0.5 },
    int8: { minCosine: 0.95, maxAccuracyDropPoints: 1.0 },
  };
  return {
    untrained,
    trained: {
      fp32: { ...untrained.fp32, ...agreement(0.99) },
      fp16: { ...untrained.fp16, ...agreement(0.95) },
      int8: { ...untrained.int8, ...agreement(0.85, 0.9) },
    },
  };
})();

export const verifySchema = z.strictObject({
  samples: z.number().int().positive().default(32).describe('inputs compared between the variant and the TF original'),
  seed: z.number().int().nonnegative().default(0),
  tolerances: z
    .partialRecord(precisionSchema, toleranceSchema)
    .default({})
    .describe('per precision, over the defaults key by key (x-tf2aif-defaults; untrained models: no agreement check unless set)')
    .meta({ 'x-tf2aif-defaults': DEFAULT_TOLERANCES }),
});

export const servingSchema = z.strictObject({
  mode: z.enum(['LAT', 'THR']).default('LAT').describe('LAT: batch 1, lowest latency; THR: server-side batching'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .default(8000)
    .describe("the port the variant's server listens on (images, Kubernetes, nx run <variant>:serve)"),
  maxQueueDelayMs: z.number().nonnegative().default(5).describe('THR: how long the first request of a batch waits for others'),
  maxQueueSize: z.number().int().positive().default(64).describe('THR: requests that may wait; more are answered 503'),
  maxBodyBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024)
    .describe('the largest request body (after decompression) the server reads; larger ones are answered 413'),
});

/** The values random data takes for an input with no `range` in tf2aif.json or in the graph, by the dtype's kind. */
export const valueRangesSchema = z
  .strictObject({
    float: z.tuple([z.number(), z.number()]).default([0, 1]).describe('floats: uniform in [min, max)'),
    integer: z.tuple([z.number().int(), z.number().int()]).default([0, 255]).describe('integers: in [min, max], within what the dtype holds'),
  })
  .describe('the value range of random data for an input without a range of its own (verify, random calibration, bench, the client)');

export const imageSchema = z.strictObject({
  repository: z
    .string()
    .regex(
      /^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/,
      'must be a registry/repository prefix such as "tf2aif" or "registry.local:5000/team"',
    )
    .default('tf2aif')
    .describe('images are tagged <repository>/<model>:<variant>'),
  push: z.boolean().default(false).describe('push each image after it is built'),
});

/** What a deployment of this model must meet; `nx run tf2aif:plan` places variants by it. */
export const sloSchema = z
  .strictObject({
    p99Ms: z.number().positive().describe('p99 latency of one request, in milliseconds, that a replica must keep'),
    ratePerSecond: z.number().positive().describe('requests per second the deployment must serve'),
    minAccuracy: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe("floor on the variant's measured accuracy (verify with a labelled dataset; untrained models have none)"),
    minAgreement: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('floor on agreement with the TensorFlow original: top-1 agreement, IoU agreement, else the minimum cosine similarity'),
  })
  .describe('service targets for nx run tf2aif:plan');

export const modelConfigSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes, starting with a letter')
      .optional()
      .describe('defaults to the folder name'),
    description: z.string().optional(),
    task: z.enum(['classification', 'segmentation', 'other']),
    trained: z.boolean().default(true).describe('false for seeded random weights: calibration may then be random'),
    source: modelSourceSchema,
    inputs: z.array(tensorSpecSchema).min(1, 'a model needs at least one input'),
    calibration: calibrationSchema.prefault({}),
    processing: relativePath.optional().describe('Python file with preprocess/postprocess hooks for the server'),
    serving: servingSchema.prefault({}),
    valueRanges: valueRangesSchema.prefault({}),
    image: imageSchema.prefault({}),
    verify: verifySchema.prefault({}),
    quantize: quantizeSchema.prefault({}),
    slo: sloSchema.optional(),
    platforms: z
      .record(z.string(), platformOptionsSchema)
      .describe('platform name (or variant name with "platform") -> options ({} for the platform defaults)'),
  })
  .superRefine((c, ctx) => {
    if (!c.calibration.loader && !c.calibration.random) {
      ctx.addIssue({
        code: 'custom',
        path: ['calibration', 'loader'],
        message: 'required: give a loader, or set calibration.random (untrained models only)',
      });
    }
    if (c.calibration.random && c.trained) {
      ctx.addIssue({ code: 'custom', path: ['calibration', 'random'], message: 'random calibration is only allowed when "trained" is false' });
    }
    if (c.calibration.samples < c.calibration.batchSize) {
      ctx.addIssue({
        code: 'custom',
        path: ['calibration', 'samples'],
        message: `must be at least calibration.batchSize (${c.calibration.batchSize})`,
      });
    }
    const names = new Set<string>();
    c.inputs.forEach((input, i) => {
      if (names.has(input.name)) ctx.addIssue({ code: 'custom', path: ['inputs', i, 'name'], message: `duplicate input name "${input.name}"` });
      names.add(input.name);
    });
  });

export type ModelConfig = z.output<typeof modelConfigSchema>;
export type TensorSpec = z.output<typeof tensorSpecSchema>;
