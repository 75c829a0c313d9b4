import { join } from 'path';

/** Nx of the scratch workspace, as a user's shell would run it, with the settings the zoo needs. */
export async function runScratchNx(scratchRoot: string, args: string[], onLine?: (line: string) => void) {
  const { execa } = await import('execa');
  const nx = execa('node', [join(scratchRoot, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), ...args], {
    cwd: scratchRoot,
    reject: false,
    all: true,
    stdin: 'ignore',
    env: { NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_ISOLATE_PLUGINS: 'false', NX_TUI: 'false', FORCE_COLOR: '0' },
  });
  const lines: string[] = [];
  for await (const line of nx.iterable({ from: 'all' })) {
    lines.push(String(line));
    onLine?.(String(line));
  }
  const result = await nx;
  return { exitCode: result.exitCode ?? 1, output: lines.join('\n') };
}
