import { resolve } from 'path';
import { z } from 'zod';
import { servingSchema, valueRangesSchema } from '../config/model-config.schema';
import { deployedRuntime } from './deployed-runtime';
import { ensurePythonToolchain, toolchainEnv } from '../toolchain/python-toolchain';

/** Where variant.json's paths point: the workspace's files (serve, bench), or names inside an image (compose). */
export interface VariantRefs {
  /** artifactDir as written (default: the artifact's absolute path) */
  artifact?: string;
  /** processing as written (default: the model's hooks, absolute) */
  processing?: string | null;
}

/** What the server is told, as settings/step-settings.ts servingSettings() resolves it (compose, serve, bench options). */
export const serverSettingsSchema = {
  serving: servingSchema,
  valueRanges: valueRangesSchema,
  inputRanges: z.record(z.string(), z.tuple([z.number(), z.number()])).describe("tf2aif.json's inputs' own ranges, by name"),
};
export type ServerSettings = z.output<z.ZodObject<typeof serverSettingsSchema>>;

/**
 * variant.json for one serving mode, written by the server's own make-config (the one writer of variant.json):
 * `serve`, `bench` and `compose` run the same server on the artifact their settings name (artifactPath,
 * executor: decided in settings/step-settings.ts). Nothing rewrites the file afterwards.
 */
export async function makeVariantConfig(
  workspaceRoot: string,
  o: { variant: string; model: string; artifactPath: string; modelPath: string; executor: string; processing?: string | null } & ServerSettings,
  mode: 'LAT' | 'THR',
  out: string,
  refs: VariantRefs = {},
) {
  o = deployedRuntime(workspaceRoot, o);
  const toolchain = ensurePythonToolchain(workspaceRoot);
  const { execa } = await import('execa');
  const processing = refs.processing !== undefined ? refs.processing : o.processing ? resolve(workspaceRoot, o.processing) : null;
  await execa(
    toolchain.python,
    [
      '-m',
      'tf2aif_toolchain.serve',
      'make-config',
      '--artifact',
      resolve(workspaceRoot, o.artifactPath),
      '--model-dir',
      resolve(workspaceRoot, o.modelPath),
      '--variant',
      o.variant,
      '--model',
      o.model,
      '--executor',
      o.executor,
      '--serving',
      JSON.stringify({ ...o.serving, mode }),
      '--value-ranges',
      JSON.stringify(o.valueRanges),
      '--input-ranges',
      JSON.stringify(o.inputRanges),
      '--out',
      out,
      ...(refs.artifact ? ['--artifact-ref', refs.artifact] : []),
      ...(processing ? ['--processing', processing] : []),
    ],
    { env: { ...process.env, ...toolchainEnv(toolchain) }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
}
