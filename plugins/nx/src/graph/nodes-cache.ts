import { createHash } from 'crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';

/**
 * createNodes results keyed by a hash of everything they are computed from, kept in Nx's workspace
 * data folder so a graph recompute with many models only re-reads the configs that changed.
 */
export class NodesCache<T> {
  private entries: Record<string, T> = {};
  private dirty = false;

  constructor(private readonly file: string) {
    try {
      if (existsSync(file)) this.entries = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      this.entries = {}; // a corrupt cache is only a slower graph computation
    }
  }

  static key(...parts: string[]): string {
    const hash = createHash('sha256');
    for (const part of parts) hash.update(part).update('\0');
    return hash.digest('hex');
  }

  getOrCompute(key: string, compute: () => T): T {
    if (!(key in this.entries)) {
      this.entries[key] = compute();
      this.dirty = true;
    }
    return this.entries[key];
  }

  /** Keeps only the keys used in this computation, so the file does not grow forever. */
  save(usedKeys: Iterable<string>): void {
    const used = new Set(usedKeys);
    const kept = Object.fromEntries(Object.entries(this.entries).filter(([k]) => used.has(k)));
    if (!this.dirty && Object.keys(kept).length === Object.keys(this.entries).length) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(kept));
    renameSync(tmp, this.file);
  }
}

export function cacheFileIn(dir: string, name: string): string {
  return join(dir, name);
}
