import type { CreateNodesResult } from '@nx/devkit';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'fs';
import { join, resolve } from 'path';

/**
 * createNodes results by key (config text, plugin options, plugin code), kept between runs in Nx's workspace data
 * folder. Our own small file rather than Nx's internal cache class, whose API differs between the Nx majors the
 * plugin supports. Only the entries used by the latest run are kept, so it never grows past the workspace.
 */
export class NodesCache {
  private readonly file: string;
  private readonly old: Record<string, CreateNodesResult>;
  private readonly used: Record<string, CreateNodesResult> = {};
  private changed = false;

  constructor(workspaceRoot: string) {
    const dataDir = resolve(workspaceRoot, process.env.NX_WORKSPACE_DATA_DIRECTORY ?? join('.nx', 'workspace-data'));
    this.file = join(dataDir, 'tf2aif-nodes.json');
    let old: Record<string, CreateNodesResult> = {};
    try {
      if (existsSync(this.file)) old = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      // an unreadable cache is an empty one
    }
    this.old = old;
  }

  get(key: string): CreateNodesResult | undefined {
    const hit = this.used[key] ?? this.old[key];
    if (hit) this.used[key] = hit;
    return hit;
  }

  set(key: string, result: CreateNodesResult) {
    this.used[key] = result;
    this.changed = true;
  }

  /** Written whole to a temporary file, then renamed over the old one: a reader never sees half a cache. */
  save() {
    if (!this.changed && Object.keys(this.used).length === Object.keys(this.old).length) return;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true });
      const tmp = `${this.file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(this.used));
      renameSync(tmp, this.file);
    } catch {
      // a cache that cannot be written only costs time
    }
  }
}
