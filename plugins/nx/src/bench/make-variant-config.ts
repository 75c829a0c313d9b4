import { findPythonToolchain, toolchainEnv } from '../toolchain/python-toolchain';

/** variant.json for one serving mode, from what the build left in dist/ (the server's own make-config). */
export async function makeVariantConfig(
  workspaceRoot: string,
  toolchainDir: string,
  o: { variant: string; model: string; stage: string; executor: string },
  mode: 'LAT' | 'THR',
  out: string,
) {
  const toolchain = findPythonToolchain(workspaceRoot, toolchainDir);
  const { execa } = await import('execa');
  await execa(
    toolchain.python,
    ['-m', 'tf2aif_toolchain.serve', 'make-config', '--workspace', workspaceRoot, '--variant', o.variant, '--model', o.model,
      '--stage', o.stage, '--executor', o.executor, '--mode', mode, '--out', out],
    { env: { ...process.env, ...toolchainEnv(toolchain) }, stdio: 'inherit' },
  );
}
