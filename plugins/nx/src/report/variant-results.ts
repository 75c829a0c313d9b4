import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { distRoot } from '../graph/paths';

const convertJsonSchema = z.looseObject({
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

export type ConvertJson = z.infer<typeof convertJsonSchema>;
export type VerifyJson = z.infer<typeof verifyJsonSchema>;

export interface VariantResult {
  variant: string;
  convert?: ConvertJson;
  verify?: VerifyJson;
  compile?: ConvertJson;
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

/** What each variant's steps wrote under dist/variants; the deployed artifact is quantize's, else convert's. */
export function collectVariantResults(workspaceRoot: string): VariantResult[] {
  const root = join(workspaceRoot, distRoot, 'variants');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .sort()
    .map((variant) => {
      const dir = join(root, variant);
      const problems: string[] = [];
      const artifactDir = existsSync(join(dir, 'quantize', 'convert.json')) ? 'quantize' : 'convert';
      return {
        variant,
        convert: readStepJson(join(dir, artifactDir), 'convert.json', convertJsonSchema, problems),
        verify: readStepJson(join(dir, 'verify'), 'verify.json', verifyJsonSchema, problems),
        compile: readStepJson(join(dir, 'compile'), 'convert.json', convertJsonSchema, problems),
        problems,
      };
    });
}
