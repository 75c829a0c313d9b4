import { createHash } from 'crypto';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';

export const setupCommand = 'npm run setup';

export interface PythonToolchain {
  python: string;
  /** folder that holds the tf2aif_toolchain package (added to PYTHONPATH) */
  toolchainDir: string;
}

export class ToolchainMissingError extends Error {}

/** The workspace-local Python environment, checked against the lock it must have been installed from. */
export function findPythonToolchain(workspaceRoot: string, toolchainDir: string): PythonToolchain {
  const venv = join(workspaceRoot, '.tf2aif', 'venv');
  const python = join(venv, 'bin', 'python');
  const lock = join(workspaceRoot, toolchainDir, 'requirements.lock');
  if (!existsSync(lock)) {
    throw new ToolchainMissingError(`The Python toolchain lock ${lock} is missing; is plugin option toolchainDir right?`);
  }
  if (!existsSync(python)) {
    throw new ToolchainMissingError(`The managed Python toolchain is not installed (no ${venv}). Run \`${setupCommand}\` first.`);
  }
  const stamp = join(venv, 'tf2aif-lock.sha256');
  const want = createHash('sha256').update(readFileSync(lock)).digest('hex');
  const have = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : '';
  if (have !== want) {
    throw new ToolchainMissingError(
      `The managed Python toolchain in ${venv} is stale: it was not installed from the current ${toolchainDir}/requirements.lock. Run \`${setupCommand}\` to update it.`,
    );
  }
  return { python, toolchainDir: join(workspaceRoot, toolchainDir) };
}

/** Environment for every toolchain process; TensorFlow crashes here with oneDNN on (see REFERENCE). */
export function toolchainEnv(toolchain: PythonToolchain): NodeJS.ProcessEnv {
  return {
    TF_ENABLE_ONEDNN_OPTS: '0',
    // TensorFlow's C++ start-up chatter (no CUDA driver, ...) hides the progress lines; TF2AIF_DEBUG=1 keeps it
    TF_CPP_MIN_LOG_LEVEL: process.env.TF2AIF_DEBUG ? '0' : '3',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONPATH: [toolchain.toolchainDir, process.env.PYTHONPATH].filter(Boolean).join(':'),
  };
}
