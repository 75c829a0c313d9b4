import type { ExecutorContext } from '@nx/devkit';
import { parseTargetOptions } from '../../settings/resolve-settings';
import { readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { composeJsonSchema } from '../../compose/compose-options';
import { parseOrThrow } from '../../utils/format-issues';
import { buildImage, ImageBuildError } from '../../image/build-image';
import { connectEngine, engineAddress, engineArch, EngineUnavailableError } from '../../image/docker-engine';
import { asExecutorResult } from '../../toolchain/run-step';
import { withAtomicOutput } from '../../utils/atomic-output';

const optionsSchema = z.looseObject({
  variant: z.string().min(1),
  arch: z.enum(['amd64', 'arm64']),
  contextPath: z.string().min(1),
  outputPath: z.string().min(1),
  imageTag: z.string().min(1),
  clientTag: z.string().min(1),
  push: z.boolean().describe('tf2aif.json image.push (a command-line --push overrides it)'),
  client: z.boolean().default(true).describe('also build the load-generating client image'),
});

/** Builds the variant's server (and client) image from its composed context; writes image.json. */
export default async function imageExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
  // no engine or a failed build, as a broken tf2aif.json or options: one line, as every executor says it
  return asExecutorResult(async () => {
    const o = parseTargetOptions(optionsSchema, raw, context);
    const contextDir = join(context.root, o.contextPath);
    const compose = parseOrThrow(
      composeJsonSchema,
      JSON.parse(readFileSync(join(contextDir, 'compose.json'), 'utf8')),
      `${o.contextPath}/compose.json`,
    );
    const { docker, info } = await connectEngine();
    const log = (line: string) => console.log(`[${o.variant}] ${line}`);
    await withAtomicOutput(context.root, o.outputPath, async (dir) => {
      const built: Record<string, unknown> = {};
      // tags come from the options (hashed by Nx), the build contexts from compose
      const targets = [['server', o.imageTag], ...(o.client ? [['client', o.clientTag]] : [])];
      for (const [kind, tag] of targets) {
        const ctx = join(contextDir, kind);
        const id = await buildImage(docker, ctx, readFileSync(join(ctx, 'Dockerfile'), 'utf8'), tag, o.arch, engineArch(info.Architecture), log);
        const inspect = await docker.getImage(id).inspect();
        if (o.push) {
          log(`pushing ${tag}`);
          const stream = await docker.getImage(tag).push({});
          await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
        }
        built[kind] = { tag, id, sizeBytes: inspect.Size, arch: inspect.Architecture, pushed: o.push };
        log(`built ${tag} (${id.slice(7, 19)}, ${(inspect.Size / 1e6).toFixed(0)} MB, ${inspect.Architecture})`);
      }
      const result = { variant: o.variant, ...built, labels: compose.labels, engine: { id: info.ID, address: engineAddress() } };
      writeFileSync(join(dir, 'image.json'), JSON.stringify(result, null, 2) + '\n');
    });
  }, [EngineUnavailableError, ImageBuildError]);
}
