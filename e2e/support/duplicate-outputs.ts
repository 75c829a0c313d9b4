import { createHash } from 'crypto';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'fs';
import { join, relative } from 'path';

/**
 * Which tasks' outputs in dist/ hold the same bytes: after a cold run, a file that two tasks wrote is an artifact
 * computed (or copied) twice. A task's output folder is dist/models/<model> (build-model), dist/shared/<model>/<key>
 * (an export, the reference outputs) or dist/variants/<variant>/<step>. Links are not copies (a step hands on a
 * shared export by linking it). The compose step's image build context is a deployment copy by design (docker
 * build needs the files in its context): its files are counted apart, not as duplicates.
 */
export interface DuplicateGroup {
  sha256: string;
  bytes: number;
  /** task output folder (relative to dist) -> the file inside it */
  copies: { task: string; file: string }[];
}

export interface DuplicateReport {
  tasks: number;
  files: number;
  links: number;
  bytes: number;
  duplicates: DuplicateGroup[];
  /** bytes stored more than once (every copy after the first) */
  duplicateBytes: number;
  /** compose contexts: files that are deployment copies of another task's */
  deploymentCopies: number;
}

function taskFolders(dist: string): string[] {
  const sub = (...parts: string[]) => {
    const dir = join(dist, ...parts);
    return existsSync(dir) ? readdirSync(dir).filter((n) => lstatSync(join(dir, n)).isDirectory()) : [];
  };
  return [
    ...sub('models').map((m) => join('models', m)),
    ...sub('shared').flatMap((m) => sub('shared', m).map((k) => join('shared', m, k))),
    ...sub('variants').flatMap((v) => sub('variants', v).map((s) => join('variants', v, s))),
  ];
}

function walk(dir: string, visit: (path: string, link: boolean) => void): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) walk(path, visit);
    else visit(path, stat.isSymbolicLink());
  }
}

const isDeployment = (task: string) => task.startsWith('variants/') && task.endsWith('/compose');

export function findDuplicateOutputs(dist: string): DuplicateReport {
  const byHash = new Map<string, DuplicateGroup>();
  let files = 0;
  let links = 0;
  let bytes = 0;
  const tasks = taskFolders(dist);
  for (const task of tasks) {
    walk(join(dist, task), (path, link) => {
      if (link) {
        links += 1;
        return;
      }
      const content = readFileSync(path);
      if (content.length === 0) return;
      files += 1;
      bytes += content.length;
      const sha256 = createHash('sha256').update(content).digest('hex');
      const group = byHash.get(sha256) ?? { sha256, bytes: content.length, copies: [] };
      group.copies.push({ task, file: relative(join(dist, task), path) });
      byHash.set(sha256, group);
    });
  }
  let deploymentCopies = 0;
  const duplicates: DuplicateGroup[] = [];
  for (const group of byHash.values()) {
    const own = group.copies.filter((c) => !isDeployment(c.task));
    deploymentCopies += group.copies.length - own.length;
    if (new Set(own.map((c) => c.task)).size > 1) duplicates.push({ ...group, copies: own });
  }
  duplicates.sort((a, b) => b.bytes * (b.copies.length - 1) - a.bytes * (a.copies.length - 1));
  const duplicateBytes = duplicates.reduce((sum, d) => sum + d.bytes * (d.copies.length - 1), 0);
  return { tasks: tasks.length, files, links, bytes, duplicates, duplicateBytes, deploymentCopies };
}

export function formatDuplicates(r: DuplicateReport, limit = 20): string {
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  const lines = [
    `${r.tasks} task outputs, ${r.files} files (${mib(r.bytes)}), ${r.links} links, ${r.deploymentCopies} deployment copies in compose contexts`,
    r.duplicates.length === 0
      ? 'no two tasks wrote the same bytes'
      : `${r.duplicates.length} file(s) written by more than one task, ${mib(r.duplicateBytes)} stored more than once:`,
  ];
  for (const d of r.duplicates.slice(0, limit)) {
    lines.push(`  ${mib(d.bytes)} x${d.copies.length}: ${d.copies.map((c) => `${c.task}/${c.file}`).join(', ')}`);
  }
  if (r.duplicates.length > limit) lines.push(`  ... and ${r.duplicates.length - limit} more`);
  return lines.join('\n');
}
