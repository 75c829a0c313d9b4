import { readFileSync, writeFileSync } from 'fs';
import { resolve } from 'path';
import { findPythonToolchain, toolchainEnv } from '../toolchain/python-toolchain';

/**
 * variant.json for one serving mode, from what the build left in dist/ (the server's own make-config): the one
 * writer behind `serve`, `bench` and `compose`, so all three run the same server. `processing`: the model's
 * pre/post-processing hooks, workspace-relative, recorded as an absolute path.
 */
export async function makeVariantConfig(
  workspaceRoot: string,
  toolchainDir: string,
  o: { variant: string; model: string; stage: string; executor: string; processing?: string | null },
  mode: 'LAT' | 'THR',
  out: string,
) {
  const toolchain = findPythonToolchain(workspaceRoot, toolchainDir);
  const { execa } = await import('execa');
  await execa(
    toolchain.python,
    ['-m', 'tf2aif_toolchain.serve', 'make-config', '--workspace', workspaceRoot, '--variant', o.variant, '--model', o.model,
      '--stage', o.stage, '--executor', o.executor, '--mode', mode, '--out', out],
    { env: { ...process.env, ...toolchainEnv(toolchain) }, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (o.processing) {
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    writeFileSync(out, JSON.stringify({ ...doc, processing: resolve(workspaceRoot, o.processing) }, null, 2) + '\n');
  }
}
