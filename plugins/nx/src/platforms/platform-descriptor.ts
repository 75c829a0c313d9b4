import { z } from 'zod';

/** what `bench` needs on the machine to measure a variant */
export const runsOnSchema = z.enum(['x86_64', 'aarch64', 'nvidia-gpu', 'jetson', 'amd-dpu']);
export type RunsOn = z.infer<typeof runsOnSchema>;

/** Numeric precisions a variant can be deployed at. */
export const precisionSchema = z.enum(['fp32', 'fp16', 'int8']);
export type Precision = z.infer<typeof precisionSchema>;

const moduleName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a Python module name (lowercase, digits, underscores)');

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
  /** environment variables the compiler reads (which vendor image, which target): part of compile's hash */
  compilerEnv: z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*$/)).default([]),
  /**
   * other runtimes of this platform to try, in order, when this runtime's converter cannot express an op of the model
   * (TFLite builtins without CombinedNonMaxSuppression or MaxPool3D, say); one that lacks the variant's precision, or
   * quantizes where this one does not (or the reverse), is skipped. Leave empty to forbid fallback (an edge target
   * that must run TFLite); tf2aif.json's platforms.<key>.fallback: false forbids it for one variant.
   */
  fallback: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).default([]),
  /**
   * how this runtime runs the layers an INT8 model keeps in float (mixed precision, where full INT8 misses the
   * verify tolerance): a DPU leaves them to the host CPU, TensorRT runs them in FP16/FP32. Absent: it cannot, and
   * tf2aif.json quantize.fallback "mixed" does nothing on this runtime.
   */
  floatLayers: z.string().min(1).optional(),
  serve: z.strictObject({
    /** requirement set the image installs: packages/toolchain/serve-requirements/<set>-<arch>.lock */
    requirements: z.string().regex(/^[a-z][a-z0-9-]*$/),
    /** runtime module the deployed server uses when it differs from the one verify uses (e.g. VART on a DPU) */
    executor: moduleName.optional(),
  }),
});
export type RuntimeDescriptor = z.infer<typeof runtimeDescriptorSchema>;

const labelName = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/**
 * Where a variant may run in a Kubernetes cluster and what it asks of the node, read by the one manifest
 * renderer (src/compose/kubernetes-manifests.ts); no platform has code of its own. Every field is optional
 * and the renderer supplies the defaults, so that they are part of compose's cache inputs.
 */
export const kubernetesDescriptorSchema = z.strictObject({
  /** node labels a node must carry; kubernetes.io/arch (from `arch`) is always added */
  nodeSelector: z
    .record(z.string().regex(labelName, 'must be a Kubernetes label key'), z.string().regex(labelValue, 'must be a Kubernetes label value'))
    .optional(),
  /** extended resources published by device plugins (nvidia.com/gpu, amd.com/<shell>-<timestamp>, ...) -> count; set as limits */
  resources: z
    .record(
      z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, 'must be a domain-prefixed extended resource name'),
      z.number().int().positive(),
    )
    .optional(),
  /** taints such nodes usually carry */
  tolerations: z
    .array(
      z.strictObject({
        key: z.string().regex(labelName, 'must be a Kubernetes label key'),
        operator: z.enum(['Exists', 'Equal']).optional(),
        value: z.string().regex(labelValue).optional(),
        effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
      }),
    )
    .optional(),
  /** RuntimeClass the pod runs with (e.g. "nvidia" where the NVIDIA runtime is not the node's default) */
  runtimeClassName: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/)
    .max(253)
    .optional(),
  /** the hardware is reachable only from a privileged container (no device plugin): then, and only then, privilege escalation is allowed */
  privileged: z.boolean().optional(),
  /** how long a replica may take to load its model (TensorRT builds its engines at start-up), before liveness checks count */
  startupSeconds: z.number().int().positive().optional(),
  /** resident memory of the serving process with no model loaded, per runtime, in MiB (the memory request adds a multiple of the artifact size) */
  baselineMemoryMiB: z.record(z.string(), z.number().int().positive()).optional(),
  /** why these labels and resources: where the names come from, what the cluster needs installed */
  note: z.string().optional(),
});
export type KubernetesDescriptor = z.infer<typeof kubernetesDescriptorSchema>;

/** A platform is data: this descriptor plus the small Python adapters it names. */
export const platformDescriptorSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes'),
    title: z.string().min(1),
    /** CPU architecture of the container image */
    arch: z.enum(['amd64', 'arm64']),
    /** what a node needs to run this variant, in words */
    hardware: z.string().min(1),
    /** what `bench` needs on the machine to measure it; default: a CPU of the image's arch */
    runsOn: runsOnSchema.optional(),
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
    /** placement and resources of the variant's Kubernetes manifests (written by compose) */
    kubernetes: kubernetesDescriptorSchema.optional(),
  })
  .superRefine((d, ctx) => {
    const arch = d.kubernetes?.nodeSelector?.['kubernetes.io/arch'];
    if (arch !== undefined && arch !== d.arch) {
      ctx.addIssue({ code: 'custom', path: ['kubernetes', 'nodeSelector', 'kubernetes.io/arch'], message: `"${arch}" contradicts arch "${d.arch}"` });
    }
    for (const runtime of Object.keys(d.kubernetes?.baselineMemoryMiB ?? {})) {
      if (!d.runtimes[runtime]) {
        ctx.addIssue({
          code: 'custom',
          path: ['kubernetes', 'baselineMemoryMiB', runtime],
          message: `"${runtime}" is not one of runtimes: ${Object.keys(d.runtimes).join(', ')}`,
        });
      }
    }
    for (const [name, r] of Object.entries(d.runtimes)) {
      r.fallback.forEach((f, i) => {
        if (!d.runtimes[f] || f === name) {
          ctx.addIssue({
            code: 'custom',
            path: ['runtimes', name, 'fallback', i],
            message: `"${f}" is not another runtime of this platform (runtimes: ${Object.keys(d.runtimes).join(', ')})`,
          });
        }
      });
    }
    const runtime = d.runtimes[d.defaults.runtime];
    if (!runtime) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaults', 'runtime'],
        message: `"${d.defaults.runtime}" is not one of runtimes: ${Object.keys(d.runtimes).join(', ')}`,
      });
    } else if (!runtime.precisions[d.defaults.precision]) {
      ctx.addIssue({
        code: 'custom',
        path: ['defaults', 'precision'],
        message: `runtime "${d.defaults.runtime}" has no precision "${d.defaults.precision}"`,
      });
    }
  });
export type PlatformDescriptor = z.infer<typeof platformDescriptorSchema>;

/** The hardware a platform's variants are measured on (bench), explicit or a CPU of the image's arch. */
export function runsOnOf(d: Pick<PlatformDescriptor, 'runsOn' | 'arch'>): NonNullable<PlatformDescriptor['runsOn']> {
  return d.runsOn ?? (d.arch === 'arm64' ? 'aarch64' : 'x86_64');
}
