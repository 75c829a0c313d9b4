import type { ExecutorContext } from '@nx/devkit';
import { inprocessBenchJobSchema } from '../../settings/job-schemas';
import { parseTargetOptions } from '../../settings/resolve-settings';
import { readFileSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { benchOptionsSchema } from '../../bench/bench-options';
import { cannotRunHere, probeHardware } from '../../bench/hardware';
import { latencyBench, throughputBench } from '../../bench/http-bench';
import { startImageServer, startLocalServer, type RunningServer } from '../../bench/local-server';
import { EngineUnavailableError } from '../../image/docker-engine';
import { makeVariantConfig } from '../../compose/make-variant-config';
import { asExecutorResult, runPythonStep } from '../../toolchain/run-step';
import { withAtomicOutput } from '../../utils/atomic-output';
import { parseOrThrow } from '../../utils/format-issues';
import { z } from 'zod';

const round = (n: number, digits = 4) => Number(n.toFixed(digits));

/**
 * inprocess.json, the bench-inprocess step's result (tf2aif_toolchain/bench/inprocess.py): the fields read here or
 * passed on to bench.json. latency and throughput name their first fields too, so bench.json keeps the step's key order.
 */
const inprocessJsonSchema = z.looseObject({
  executedWith: z.string().nullish(),
  latency: z.looseObject({ batch: z.number(), p50: z.number() }),
  throughput: z.looseObject({ batch: z.number(), perSecond: z.number() }),
  baselines: z.looseObject({}).nullish(),
  flopsPerSample: z.number().nullish(),
  achievedGflopsBatch1: z.number().nullish(),
  achievedGflopsThroughput: z.number().nullish(),
});

/**
 * Measures one variant where its hardware is: in-process next to native TensorFlow (Python), then through
 * its server over HTTP with binary tensors in LAT and THR mode (this process is the client). Elsewhere it
 * records why it did not run. Writes bench.json.
 */
export default async function benchExecutor(raw: unknown, context: ExecutorContext) {
  return asExecutorResult(async () => {
    const o = parseTargetOptions(benchOptionsSchema, raw, context);
    const say = (line: string) => console.log(`[bench ${o.variant}] ${line}`);
    const useImage = o.image === true || o.image === 'true';
    await withAtomicOutput(context.root, o.outputPath, async (dir) => {
      const machine = probeHardware(); // once: it asks nvidia-smi and xdputil, seconds each where they hang
      const base = { variant: o.variant, platform: o.platform, machine };
      const reason = cannotRunHere(o.runsOn, machine);
      if (reason) {
        say(`not measured: ${reason}`);
        writeFileSync(join(dir, 'bench.json'), JSON.stringify({ ...base, status: 'not-run', reason }, null, 2) + '\n');
        return;
      }
      // on a GPU, the runtime must not fall back to CPU emulation silently
      const env: Record<string, string> = o.runsOn === 'nvidia-gpu' || o.runsOn === 'jetson' ? { TF2AIF_REQUIRE_GPU: '1' } : {};
      const configs = { LAT: join(dir, 'variant-lat.json'), THR: join(dir, 'variant-thr.json') };
      await makeVariantConfig(context.root, o, 'LAT', configs.LAT);
      await makeVariantConfig(context.root, o, 'THR', configs.THR);

      let inProcess: z.infer<typeof inprocessJsonSchema> | null = null;
      if (!useImage) {
        say('in-process, side by side with native TensorFlow');
        await runPythonStep(
          'bench-inprocess',
          inprocessBenchJobSchema.parse({ variantConfig: relative(context.root, configs.LAT), modelPath: o.modelPath, maxSeconds: o.maxSeconds }),
          context.root,
          join(dir, 'inprocess'),
          o.variant,
          env,
        );
        const file = join(dir, 'inprocess', 'inprocess.json');
        inProcess = parseOrThrow(inprocessJsonSchema, JSON.parse(readFileSync(file, 'utf8')), file);
      }

      const start = (mode: 'LAT' | 'THR'): Promise<RunningServer> =>
        useImage ? startImageServer(o.imageTag, o.runArgs, env) : startLocalServer(context.root, configs[mode], env);
      say(`LAT mode over HTTP (${useImage ? `image ${o.imageTag}` : 'local server'})`);
      let server = await start('LAT');
      const lat = await latencyBench(server.url, o.model, o.maxSeconds, say).finally(() => server.stop());
      const concurrency = Math.max(2, 2 * o.batchSize);
      say(`THR mode over HTTP, server-side batching up to ${o.batchSize}`);
      server = await start('THR');
      const thr = await throughputBench(server.url, o.model, concurrency, o.maxSeconds, say).finally(() => server.stop());

      // the overhead on the same requests (Server-Timing) where the server reports it; else against the in-process run
      const overheadBasis = lat.runtimeP50 ? 'runtime on the same requests (Server-Timing)' : inProcess ? 'separate in-process run' : null;
      const comparedWith: number | null = lat.runtimeP50 ?? inProcess?.latency.p50 ?? null;
      const result = {
        ...base,
        status: 'measured',
        measuredWith: useImage ? `image ${o.imageTag}` : 'local server (managed toolchain)',
        executedWith: inProcess?.executedWith,
        latency: {
          batch: 1,
          http: lat,
          inProcess: inProcess?.latency ?? null,
          serverOverhead: comparedWith ? round(lat.p50 / comparedWith - 1) : null,
          overheadBasis,
          // the runtime inside the server vs in its own process: threads under the server would show here
          runtimeInServerVsInProcess: lat.runtimeP50 && inProcess ? round(lat.runtimeP50 / inProcess.latency.p50 - 1) : null,
        },
        throughput: {
          batch: o.batchSize,
          http: thr,
          inProcess: inProcess?.throughput ?? null,
          httpShareOfInProcess: inProcess ? round(thr.perSecond / inProcess.throughput.perSecond) : null,
        },
        baselines: inProcess?.baselines ?? null,
        flopsPerSample: inProcess?.flopsPerSample ?? null,
        achievedGflops: { batch1: inProcess?.achievedGflopsBatch1 ?? null, throughput: inProcess?.achievedGflopsThroughput ?? null },
      };
      writeFileSync(join(dir, 'bench.json'), JSON.stringify(result, null, 2) + '\n');
      const pctOf = (n: number) => `${n >= 0 ? '+' : ''}${(n * 100).toFixed(1)}%`;
      say(
        `LAT p50 ${lat.p50.toFixed(3)} ms over HTTP` +
          (lat.runtimeP50 ? ` (the runtime ${lat.runtimeP50.toFixed(3)} ms inside the server on the same requests)` : '') +
          (inProcess ? `, in-process run ${inProcess.latency.p50.toFixed(3)} ms` : '') +
          (result.latency.serverOverhead !== null ? `, overhead ${pctOf(result.latency.serverOverhead)} over the ${overheadBasis}` : '') +
          `; THR ${thr.perSecond.toFixed(1)}/s` +
          (inProcess ? ` (${(result.throughput.httpShareOfInProcess! * 100).toFixed(0)}% of in-process)` : ''),
      );
    });
  }, [EngineUnavailableError]);
}
