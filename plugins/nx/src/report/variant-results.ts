import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { distRoot } from '../settings/output-paths';
import { readFailure } from '../toolchain/failure-record';

const artifactJsonSchema = z.looseObject({
  variant: z.string(),
  platform: z.string(),
  runtime: z.string(),
  precision: z.string(),
  batchSize: z.number(),
  artifact: z.string(),
  sizeBytes: z.number(),
  seconds: z.number(),
  convertSeconds: z.number().nullish(),
  calibration: z.object({ samples: z.number(), origin: z.string() }).optional(),
});

const verifyJsonSchema = z.looseObject({
  passed: z.boolean(),
  samples: z.number(),
  inputOrigin: z.string(),
  trained: z.boolean(),
  executedWith: z.string().optional(),
  outputs: z.record(
    z.string(),
    z.looseObject({ maxAbsError: z.number(), minCosine: z.number(), top1Agreement: z.number().optional(), iouAgreement: z.number().optional() }),
  ),
  accuracy: z.object({ reference: z.number(), variant: z.number(), deltaPoints: z.number(), samples: z.number() }).nullish(),
});

const latencySchema = z.looseObject({ p50: z.number(), p90: z.number(), p99: z.number() });

const benchJsonSchema = z.looseObject({
  status: z.enum(['measured', 'not-run']),
  reason: z.string().optional(),
  measuredWith: z.string().optional(),
  executedWith: z.string().nullish(),
  latency: z
    .looseObject({
      http: latencySchema.extend({ stable: z.boolean() }).loose(),
      inProcess: latencySchema.loose().nullable(),
      serverOverhead: z.number().nullable(),
    })
    .optional(),
  throughput: z
    .looseObject({
      batch: z.number(),
      http: z.looseObject({ perSecond: z.number(), stable: z.boolean(), errors: z.number(), concurrency: z.number().optional() }),
      inProcess: z.looseObject({ perSecond: z.number() }).nullable(),
      httpShareOfInProcess: z.number().nullable(),
    })
    .optional(),
  baselines: z
    .looseObject({
      tfSignature: latencySchema.loose(),
      kerasPredict: latencySchema.loose().nullish(),
      speedupVsTfSignature: z.number(),
      speedupVsKerasPredict: z.number().nullish(),
    })
    .nullish(),
  flopsPerSample: z.number().nullish(),
  achievedGflops: z.looseObject({ batch1: z.number().nullable(), throughput: z.number().nullable() }).optional(),
});

const imageJsonSchema = z.looseObject({
  server: z.looseObject({ tag: z.string(), id: z.string(), sizeBytes: z.number(), arch: z.string() }),
  client: z.looseObject({ tag: z.string() }).optional(),
});

export type ArtifactJson = z.infer<typeof artifactJsonSchema>;
export type BenchJson = z.infer<typeof benchJsonSchema>;
export type ImageJson = z.infer<typeof imageJsonSchema>;
export type VerifyJson = z.infer<typeof verifyJsonSchema>;

export interface VariantResult {
  variant: string;
  convert?: ArtifactJson;
  verify?: VerifyJson;
  compile?: ArtifactJson;
  bench?: BenchJson;
  image?: ImageJson;
  /** the last failure of a step of this variant, from .tf2aif/failures (a failed step writes nothing to dist/) */
  failure?: { step: string; message: string };
  /** a file that exists but does not parse: reported, never hidden */
  problems: string[];
}

function readStepJson<S extends z.ZodType>(dir: string, file: string, schema: S, problems: string[]): z.infer<S> | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  const parsed = schema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (parsed.success) return parsed.data;
  problems.push(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return undefined;
}

/** What one variant's steps wrote under dist/variants/<variant>; the deployed artifact is quantize's, else convert's. */
export function readVariantResult(workspaceRoot: string, variant: string): VariantResult {
  const dir = join(workspaceRoot, distRoot, 'variants', variant);
  const problems: string[] = [];
  const artifactDir = existsSync(join(dir, 'quantize', 'artifact.json')) ? 'quantize' : 'convert';
  return {
    variant,
    convert: readStepJson(join(dir, artifactDir), 'artifact.json', artifactJsonSchema, problems),
    verify: readStepJson(join(dir, 'verify'), 'verify.json', verifyJsonSchema, problems),
    compile: readStepJson(join(dir, 'compile'), 'artifact.json', artifactJsonSchema, problems),
    bench: readStepJson(join(dir, 'bench'), 'bench.json', benchJsonSchema, problems),
    image: readStepJson(join(dir, 'image'), 'image.json', imageJsonSchema, problems),
    failure:
      ['convert', 'quantize', 'verify', 'compile'].map((step) => readFailure(workspaceRoot, variant, step)).find((f) => f !== null) ?? undefined,
    problems,
  };
}

/** Every variant that has anything under dist/variants. */
export function collectVariantResults(workspaceRoot: string): VariantResult[] {
  const root = join(workspaceRoot, distRoot, 'variants');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((variant) => readVariantResult(workspaceRoot, variant));
}
