import { readFileSync } from 'fs';
import { join } from 'path';
import { repoRoot } from './temp-workspace';

export interface CiShard {
  shard: string;
  /** the runner's `nx run-many --projects=` selection: platform tags */
  projects: string;
  platforms: string[];
}

/** The shards of the sample CI pipeline (docs/ci/github-actions-variants.yml): the one list tests and tools read. */
export function ciShards(): CiShard[] {
  const ciFile = join(repoRoot, 'docs', 'ci', 'github-actions-variants.yml');
  return [...readFileSync(ciFile, 'utf8').matchAll(/-\s+shard:\s*(\S+)[\s\S]*?projects:\s*(\S+)/g)].map(([, shard, projects]) => ({
    shard,
    projects,
    platforms: projects.split(',').map((p) => p.replace(/^tag:platform:/, '')),
  }));
}
