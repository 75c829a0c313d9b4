import type { ExecutorContext } from '@nx/devkit';
import { deployedRuntime } from '../../compose/deployed-runtime';
import { parseTargetOptions } from '../../settings/resolve-settings';
import { writeFileSync } from 'fs';
import { join } from 'path';
import { composeOptionsSchema } from '../../compose/compose-options';
import { writeVariantManifests } from '../../compose/kubernetes-manifests';
import { writeClientContext, writeServerContext } from '../../compose/server-context';
import { workspacePlatforms } from '../../platforms/platform-registry';
import { readPluginOptions } from '../../plugin/plugin-options';
import { asExecutorResult } from '../../toolchain/run-step';
import { withAtomicOutput } from '../../utils/atomic-output';

/** Renders the variant's Docker build contexts (server and client), its Kubernetes manifests and compose.json, atomically. */
export default async function composeExecutor(raw: unknown, context: ExecutorContext) {
  return asExecutorResult(async () => {
    // a fallback runtime's artifact: its requirements, labels and Kubernetes baseline
    const o = deployedRuntime(context.root, parseTargetOptions(composeOptionsSchema, raw, context));
    const platform = workspacePlatforms(context.root).get(o.platform);
    if (!platform) throw new Error(`compose: unknown platform "${o.platform}"`);
    const c = { workspaceRoot: context.root, platform, adaptersDir: join(context.root, readPluginOptions(context.root).adaptersDir) };
    await withAtomicOutput(context.root, o.outputPath, async (dir) => {
      const server = await writeServerContext(c, o, join(dir, 'server'));
      writeClientContext(c, o, join(dir, 'client'), server);
      const kubernetes = writeVariantManifests(o, platform, server.labels, dir);
      const compose = {
        variant: o.variant,
        image: o.imageTag,
        clientImage: o.clientTag,
        baseImage: o.baseImage,
        arch: o.arch,
        runArgs: o.runArgs,
        labels: server.labels,
        kubernetes,
      };
      writeFileSync(join(dir, 'compose.json'), JSON.stringify(compose, null, 2) + '\n');
      console.log(`composed ${o.variant}: ${o.imageTag} FROM ${o.baseImage} (${o.arch}) in ${o.outputPath}`);
    });
  });
}
