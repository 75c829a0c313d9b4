import { z } from 'zod';
import { runsOnSchema } from '../platforms/platform-descriptor';
import { serverSettingsSchema } from '../compose/make-variant-config';

export const benchOptionsSchema = z.looseObject({
  variant: z.string().min(1),
  model: z.string().min(1),
  platform: z.string().min(1),
  runsOn: runsOnSchema,
  executor: z.string().min(1),
  artifactPath: z.string().min(1).describe("the deployed artifact: the variant's compile, quantize or convert output"),
  processing: z.string().nullish().describe("the model's pre/post-processing hooks, as serve and the image run them"),
  batchSize: z.number().int().positive(),
  ...serverSettingsSchema,
  maxSeconds: z.coerce.number().positive().default(45).describe('time bound per measurement before giving up on stability'),
  image: z.union([z.boolean(), z.string()]).default(false).describe('measure the built image (true) instead of the local server'),
  imageTag: z.string().min(1),
  runArgs: z.array(z.string()).default([]),
  modelPath: z.string().min(1),
  outputPath: z.string().min(1),
});
export type BenchOptions = z.infer<typeof benchOptionsSchema>;
