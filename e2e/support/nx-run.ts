// Runs a workspace's Nx and reads what each task did from Nx itself: NX_PROFILE=<file> makes Nx's task
// runner write a Chrome trace with one complete event per task (project, target, status: "local-cache",
// "remote-cache", "success", ...; duration), so nothing is parsed from task output, which Nx may drop.
import { execa } from 'execa';
import { readFileSync, rmSync } from 'fs';
import { join } from 'path';
import type { TempWorkspace } from './temp-workspace';

export interface TaskTiming {
  id: string;
  project: string;
  target: string;
  status: string;
  seconds: number;
}

export interface RunResult {
  label: string;
  command: string;
  exitCode: number;
  wallSeconds: number;
  tasks: TaskTiming[];
  /** "Nx read the output from the cache ... for N out of M tasks", when Nx printed it */
  summaryLine?: { cached: number; total: number };
  output: string;
}

export const fromCache = (t: TaskTiming) => t.status.includes('cache');
export const ran = (r: RunResult) => r.tasks.filter((t) => !fromCache(t));

export async function runNx(
  ws: Pick<TempWorkspace, 'root' | 'path'>,
  label: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const profile = join('.nx', 'bench', `${label}.json`);
  rmSync(ws.path(profile), { force: true });
  const started = process.hrtime.bigint();
  const result = await execa('node', [join(ws.root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], {
    cwd: ws.root,
    reject: false,
    all: true,
    env: {
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_ISOLATE_PLUGINS: 'false',
      NX_TUI: 'false',
      FORCE_COLOR: '0',
      NX_PROFILE: profile,
      ...env,
    },
  });
  const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
  const output = result.all ?? '';
  let tasks: TaskTiming[] = [];
  try {
    const events = JSON.parse(readFileSync(ws.path(profile), 'utf8')) as Array<{
      ph: string;
      name: string;
      dur: number;
      args?: { target?: { project: string; target: string }; status?: string };
    }>;
    tasks = events
      .filter((e) => e.ph === 'X' && e.args?.target)
      .map((e) => ({
        id: e.name,
        project: e.args!.target!.project,
        target: e.args!.target!.target,
        status: e.args!.status ?? 'unknown',
        seconds: e.dur / 1e6,
      }));
  } catch {
    // no profile: Nx failed before running tasks (the output says why)
  }
  const m = output.match(/from the cache instead of running the command for (\d+) out of (\d+) tasks/);
  const summaryLine = m ? { cached: Number(m[1]), total: Number(m[2]) } : undefined;
  return { label, command: `nx ${args.join(' ')}`, exitCode: result.exitCode ?? 1, wallSeconds, tasks, summaryLine, output };
}
