import { execFileSync } from 'child_process';
import { accessSync, constants, existsSync, rmSync } from 'fs';
import { delimiter, join } from 'path';
import { oneLine } from '../utils/one-line';

/** The Python the toolchain's wheels are built for (TensorFlow 2.21, LiteRT, OpenVINO on CPython 3.11). */
export const pythonVersion = '3.11';
/** uv installs the pinned, hashed lock; bootstrapped from PyPI into `<home>/uv` with this version. */
export const uvVersion = '0.13.9';

/** Something the toolchain needs is missing; the message says what to install or run (one line). */
export class ToolchainMissingError extends Error {}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const onPath = (command: string) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .map((dir) => join(dir, command))
    .find(executable);

/** Python 3.11: TF2AIF_PYTHON when set, else `python3.11` on the PATH. */
export function findPython(): string {
  const given = process.env.TF2AIF_PYTHON;
  if (given) {
    if (!executable(given))
      throw new ToolchainMissingError(
        `TF2AIF_PYTHON=${given} is not an executable file: ` +
          `point it at Python ${pythonVersion}, or unset it to use python${pythonVersion} from the PATH`,
      );
    return given;
  }
  const python = onPath(`python${pythonVersion}`);
  if (!python) {
    throw new ToolchainMissingError(
      `Python ${pythonVersion} is required for the tf2aif toolchain (TensorFlow 2.21 wheels) and python${pythonVersion} is not on the PATH: ` +
        `install it (Debian/Ubuntu: apt-get install python${pythonVersion}-venv) or set TF2AIF_PYTHON to its path`,
    );
  }
  return python;
}

/** Runs a command, its output passed to stderr; a failure becomes one line with the command's last words. */
export function run(command: string, args: string[], what: string, env: NodeJS.ProcessEnv = process.env) {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env, maxBuffer: 64 * 1024 * 1024 });
  } catch (e) {
    const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
    const said = `${err.stderr ?? ''}\n${err.stdout ?? ''}`
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    const last = said.filter((l) => /error|not found|failed|could not|no such|unable/i.test(l)).pop() ?? said.pop() ?? err.message;
    const network = /connect|resolve|network|timed out|index|proxy|ssl|dns/i.test(said.join(' '));
    const hint = network ? ' (is the Python package index reachable? set UV_INDEX_URL / PIP_INDEX_URL for a mirror)' : '';
    throw new ToolchainMissingError(`${what} failed: ${oneLine(last)}${hint}`);
  }
}

/**
 * uv of the pinned version: TF2AIF_UV when set, else a venv of its own under `home` (bootstrapped once with pip).
 * Returns the uv binary.
 */
export function ensureUv(home: string, log: (line: string) => void = () => {}): string {
  if (process.env.TF2AIF_UV) return process.env.TF2AIF_UV;
  const dir = join(home, 'uv');
  const uv = join(dir, 'bin', 'uv');
  if (existsSync(uv)) {
    try {
      if (execFileSync(uv, ['--version'], { encoding: 'utf8' }).split(' ')[1]?.trim() === uvVersion) return uv;
    } catch {
      // a broken uv venv is made again below
    }
  }
  log(`bootstrapping uv ${uvVersion} into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  run(
    findPython(),
    ['-m', 'venv', dir],
    `making a venv for uv with python${pythonVersion} (Debian/Ubuntu: apt-get install python${pythonVersion}-venv)`,
  );
  run(
    join(dir, 'bin', 'pip'),
    ['install', '--quiet', '--disable-pip-version-check', `uv==${uvVersion}`],
    `installing uv ${uvVersion} from the Python package index`,
  );
  return uv;
}
