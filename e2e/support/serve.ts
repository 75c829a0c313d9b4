import { execa } from 'execa';
import { V2Client } from '../../plugins/nx/src/bench/v2-client';
import type { TempWorkspace } from './temp-workspace';

export interface ServeRun {
  url: string;
  /** SIGTERM (the server drains) or SIGKILL to the whole run: nx, the executor and the Python server */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** `nx run <project>:serve` in the temp workspace, in a process group of its own, once it answers ready. */
export async function startServe(ws: TempWorkspace, project: string, port: number, timeoutMs = 180_000): Promise<ServeRun> {
  const child = execa('node', [ws.path('node_modules/nx/dist/bin/nx.js'), 'run', `${project}:serve`, `--port=${port}`, '--host=127.0.0.1'], {
    cwd: ws.root,
    detached: true, // a process group of its own, so stop() reaches the Python server too
    reject: false,
    all: true,
    env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_ISOLATE_PLUGINS: 'false', NX_TUI: 'false', FORCE_COLOR: '0' },
  });
  const signal = (s: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, s);
    } catch {
      // already exited
    }
  };
  const run: ServeRun = {
    url: `http://127.0.0.1:${port}`,
    async stop(s: NodeJS.Signals = 'SIGTERM') {
      signal(s);
      await child;
    },
  };
  const client = new V2Client(run.url);
  try {
    const deadline = Date.now() + timeoutMs;
    while (!(await client.ready().catch(() => false))) {
      if (child.exitCode !== null) throw new Error(`nx run ${project}:serve exited with ${child.exitCode}:\n${(await child).all}`);
      if (Date.now() > deadline) throw new Error(`nx run ${project}:serve did not become ready in ${timeoutMs / 1000} s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  } catch (e) {
    signal('SIGKILL');
    throw e;
  } finally {
    client.close();
  }
  return run;
}
