import { z } from 'zod';

/** Numeric precisions a variant can be deployed at. */
export const precisionSchema = z.enum(['fp32', 'fp16', 'int8']);
export type Precision = z.infer<typeof precisionSchema>;

const moduleName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, 'must be a Python module name (lowercase, digits, underscores)');

/**
 * One way to run a model on a platform: the converter that makes the framework model from the
 * SavedModel, and, per precision, the quantizer that turns it into the deployed artifact
 * ("none" means the converter's FP32 output is deployed as is).
 */
export const runtimeDescriptorSchema = z.strictObject({
  /** Python module in tf2aif_toolchain/converters/ */
  converter: moduleName,
  /** precision -> Python module in tf2aif_toolchain/quantizers/, or "none" */
  precisions: z.partialRecord(precisionSchema, z.union([z.literal('none'), moduleName])),
  /** Python module in tf2aif_toolchain/runtimes/ that executes the artifact (verify, serve) */
  executor: moduleName,
  /** Python module in tf2aif_toolchain/compilers/ for a hardware-specific compile step, if any */
  compiler: moduleName.optional(),
  serve: z.strictObject({
    /** requirement set the image installs: packages/toolchain/serve-requirements/<set>-<arch>.lock */
    requirements: z.string().regex(/^[a-z][a-z0-9-]*$/),
    /** runtime module the deployed server uses when it differs from the one verify uses (e.g. VART on a DPU) */
    executor: moduleName.optional(),
  }),
});
export type RuntimeDescriptor = z.infer<typeof runtimeDescriptorSchema>;

/** A platform is data: this descriptor plus the small Python adapters it names. */
export const platformDescriptorSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
    title: z.string().min(1),
    /** CPU architecture of the container image */
    arch: z.enum(['amd64', 'arm64']),
    /** what a node needs to run this variant, in words */
    hardware: z.string().min(1),
    /** native TensorFlow baseline of another platform */
    baselineOf: z.string().optional(),
    /** included when a model lists no platforms */
    defaultEnabled: z.boolean().default(true),
    image: z.strictObject({
      /** upstream base image for real deployments; override per workspace with the plugin's baseImages option */
      base: z.string().min(1),
      env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).default({}),
      /** what `docker run` needs to reach the hardware (e.g. --gpus all) */
      runArgs: z.array(z.string()).default([]),
      note: z.string().optional(),
    }),
    runtimes: z.record(z.string().regex(/^[a-z][a-z0-9-]*$/), runtimeDescriptorSchema),
    defaults: z.strictObject({
      runtime: z.string(),
      precision: precisionSchema,
      batchSize: z.number().int().positive(),
    }),
  })
  .superRefine((d, ctx) => {
    const runtime = d.runtimes[d.defaults.runtime];
    if (!runtime) {
      ctx.addIssue({ code: 'custom', path: ['defaults', 'runtime'], message: `"${d.defaults.runtime}" is not one of runtimes: ${Object.keys(d.runtimes).join(', ')}` });
    } else if (!runtime.precisions[d.defaults.precision]) {
      ctx.addIssue({ code: 'custom', path: ['defaults', 'precision'], message: `runtime "${d.defaults.runtime}" has no precision "${d.defaults.precision}"` });
    }
  });
export type PlatformDescriptor = z.infer<typeof platformDescriptorSchema>;
