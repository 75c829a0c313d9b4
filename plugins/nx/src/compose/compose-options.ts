import { z } from 'zod';
import { serverSettingsSchema } from './make-variant-config';

/** compose.json as later steps read it: the labels compose gave the variant's images. */
export const composeJsonSchema = z.looseObject({ labels: z.record(z.string(), z.string()) });

export const composeOptionsSchema = z.looseObject({
  variant: z.string().min(1),
  model: z.string().min(1),
  platform: z.string().min(1),
  title: z.string(),
  hardware: z.string(),
  arch: z.enum(['amd64', 'arm64']),
  runtime: z.string(),
  executor: z.string(),
  precision: z.string(),
  batchSize: z.number().int().positive(),
  ...serverSettingsSchema,
  processing: z.string().optional(),
  baseImage: z.string().min(1),
  env: z.record(z.string(), z.string()),
  runArgs: z.array(z.string()),
  requirements: z.string(),
  imageTag: z.string().min(1),
  clientTag: z.string().min(1),
  modelPath: z.string(),
  artifactPath: z.string(),
  outputPath: z.string(),
});
export type ComposeOptions = z.infer<typeof composeOptionsSchema>;
