import type { ExecutorContext } from '@nx/devkit';
import { parseTargetOptions } from '../../settings/resolve-settings';
import { mkdirSync } from 'fs';
import { join } from 'path';
import { makeVariantConfig, serverSettingsSchema } from '../../compose/make-variant-config';
import { z } from 'zod';
import { ensurePythonToolchain, toolchainEnv } from '../../toolchain/python-toolchain';
import { asExecutorResult } from '../../toolchain/run-step';

const optionsSchema = z.looseObject({
  variant: z.string().min(1),
  model: z.string().min(1),
  executor: z.string().min(1),
  artifactPath: z.string().min(1).describe("the artifact served: the variant's quantize or convert output"),
  modelPath: z.string().min(1),
  ...serverSettingsSchema,
  processing: z.string().optional(),
  port: z.coerce.number().int().min(0).max(65535).optional().describe("over tf2aif.json's serving.port (0: a free one)"),
  host: z.string().min(1).default('0.0.0.0'),
});

/**
 * `nx run <variant>:serve --port N`: the variant's server straight from dist/ and the managed toolchain,
 * until stopped (Ctrl-C or SIGTERM drains in-flight requests).
 */
export default async function serveExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
  return asExecutorResult(async () => {
    const o = parseTargetOptions(optionsSchema, raw, context);
    const toolchain = ensurePythonToolchain(context.root);
    const env = { ...process.env, ...toolchainEnv(toolchain) };
    const { execa } = await import('execa');
    const configFile = join(context.root, '.tf2aif', 'serve', `${o.variant}.variant.json`);
    mkdirSync(join(configFile, '..'), { recursive: true });
    await makeVariantConfig(context.root, o, o.serving.mode, configFile);
    const server = execa(
      toolchain.python,
      ['-m', 'tf2aif_toolchain.serve', '--config', configFile, '--port', String(o.port ?? o.serving.port), '--host', o.host],
      {
        env,
        stdio: 'inherit',
        reject: false,
      },
    );
    const forward = (signal: NodeJS.Signals) => server.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    const result = await server;
    if (result.exitCode !== 0 && !result.isTerminated) throw new Error(`the ${o.variant} server exited with code ${result.exitCode}`);
  });
}
