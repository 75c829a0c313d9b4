import { cpus, totalmem } from 'os';

/** Conversions at once: one per core, at most one per 4 GiB (the rule of tools/parallelism.sh); TF2AIF_PARALLEL wins. */
export function defaultParallelism(): number {
  const fromEnv = Number(process.env.TF2AIF_PARALLEL ?? process.env.NX_PARALLEL);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(cpus().length, Math.floor(totalmem() / 4 / 1024 ** 3)));
}
