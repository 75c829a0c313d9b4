import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync } from 'fs';
import { basename, dirname, isAbsolute, join, relative } from 'path';

/** Scratch space outside dist/, so a killed run never leaves a partial artifact among the outputs. */
export const scratchRoot = (workspaceRoot: string) => join(workspaceRoot, '.tf2aif', 'tmp');

function scratchPrefix(outputPath: string): string {
  return outputPath.replace(/[\\/]+/g, '__');
}

/**
 * A step that hands on another step's file links to it (artifact.py link_tree) by absolute path while it writes in
 * scratch; in its output the links point relative to where they now lie, so that the Nx cache (which keeps links as
 * links) and another checkout of the workspace restore working links.
 */
export function relativizeLinks(dir: string, workspaceRoot: string): void {
  // real paths on both sides: the toolchain resolves its link targets (a workspace under a linked folder)
  const root = realpathSync(workspaceRoot);
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      const stat = lstatSync(path);
      if (stat.isDirectory()) walk(path);
      else if (stat.isSymbolicLink()) {
        const target = readlinkSync(path);
        if (!isAbsolute(target) || relative(root, target).startsWith('..')) continue;
        rmSync(path);
        symlinkSync(relative(realpathSync(folder), target), path);
      }
    }
  };
  walk(dir);
}

/**
 * Runs `produce` into a fresh scratch folder and moves it to `outputPath` only when it succeeds.
 * A failure (or a signal) removes the scratch folder and any stale previous output, so Nx never
 * finds a half-written or out-of-date artifact where this step's output belongs.
 */
export async function withAtomicOutput<T>(workspaceRoot: string, outputPath: string, produce: (scratchDir: string) => Promise<T>): Promise<T> {
  const finalDir = join(workspaceRoot, outputPath);
  const scratch = scratchRoot(workspaceRoot);
  const prefix = scratchPrefix(outputPath);
  mkdirSync(scratch, { recursive: true });
  // leftovers of a run that was killed before it could clean up
  for (const name of readdirSync(scratch)) {
    if (name.startsWith(`${prefix}.`)) rmSync(join(scratch, name), { recursive: true, force: true });
  }
  const tmp = join(scratch, `${prefix}.${process.pid}.${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  const onSignal = (signal: NodeJS.Signals) => {
    cleanup();
    rmSync(finalDir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const result = await produce(tmp);
    mkdirSync(dirname(finalDir), { recursive: true });
    const old = join(scratch, `${prefix}.old.${process.pid}`);
    if (existsSync(finalDir)) renameSync(finalDir, old);
    renameSync(tmp, finalDir);
    relativizeLinks(finalDir, workspaceRoot);
    rmSync(old, { recursive: true, force: true });
    return result;
  } catch (e) {
    cleanup();
    rmSync(finalDir, { recursive: true, force: true });
    throw e;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}

export const outputName = (outputPath: string) => basename(outputPath);
