import { spawnSync } from 'child_process';
import { z } from 'zod';
import { ensurePythonToolchain, toolchainEnv } from './python-toolchain';

const specSchema = z.object({ name: z.string(), shape: z.array(z.number().int().nullable()), dtype: z.string() });
const inspectResultSchema = z.object({ inputs: z.array(specSchema), outputs: z.array(specSchema) });
export type InspectResult = z.infer<typeof inspectResultSchema>;

/** Reads a SavedModel's or Keras file's serving signature with the managed toolchain. */
export function inspectModel(workspaceRoot: string, format: 'savedmodel' | 'keras', path: string): InspectResult {
  const toolchain = ensurePythonToolchain(workspaceRoot);
  const result = spawnSync(toolchain.python, ['-m', 'tf2aif_toolchain.warm', 'inspect', '--format', format, '--path', path], {
    cwd: workspaceRoot,
    env: { ...process.env, ...toolchainEnv(toolchain) },
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    const why = (result.stderr ?? '')
      .split('\n')
      .filter((l) => l.startsWith('tf2aif error:'))
      .join('\n');
    throw new Error(why || `inspecting ${path} failed:\n${result.stderr}`);
  }
  return inspectResultSchema.parse(JSON.parse(result.stdout));
}
