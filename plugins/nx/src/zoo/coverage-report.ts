import { cpus } from 'os';
import type { Cell } from './coverage';
import type { ZooModel } from './zoo-catalog';

export interface Coverage {
  generatedAt: string;
  machine: { cpu: string; cores: number };
  selection: { models: string[]; platforms: string[]; slice: string | null };
  totals: { cells: number; verified: number; failed: number; verifiedShare: number };
  /** wall-clock seconds of this run (exports, generators, every step not answered by the cache) */
  wallSeconds: number;
  models: Array<{ name: string; about: string; builder: string; export: string }>;
  platforms: string[];
  cells: Cell[];
}

export function buildCoverage(models: ZooModel[], platforms: string[], cells: Cell[], wallSeconds: number, slice: string | null): Coverage {
  const verified = cells.filter((c) => c.status === 'verified').length;
  return {
    generatedAt: new Date().toISOString(),
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length },
    selection: { models: models.map((m) => m.name), platforms, slice },
    totals: { cells: cells.length, verified, failed: cells.length - verified, verifiedShare: cells.length ? verified / cells.length : 0 },
    wallSeconds: Math.round(wallSeconds),
    models: models.map((m) => ({ name: m.name, about: m.about, builder: m.builder, export: m.export })),
    platforms,
    cells,
  };
}

export const cellAt = (c: Coverage, model: string, platform: string) => c.cells.find((x) => x.model === model && x.platform === platform);

/** One-line summary: "212/216 cells verified (98.1%)". */
export const totalsLine = (c: Coverage) =>
  `${c.totals.verified}/${c.totals.cells} cells verified (${(c.totals.verifiedShare * 100).toFixed(1)}%), ${c.totals.failed} failed`;
