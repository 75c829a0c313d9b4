import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'fs';
import { join, relative } from 'path';
import { z } from 'zod';
import { readPluginOptions } from '../plugin/plugin-options';
import { toolchainPackageDir } from '../plugin/plugin-package';
import { ensureUv, findPython, run, ToolchainMissingError } from './uv';

export { ToolchainMissingError } from './uv';

/** What brings the toolchain into a workspace: `nx add @tf2aif/nx` runs it, and so does this command again. */
export const setupCommand = 'npx nx g @tf2aif/nx:init';

export interface PythonToolchain {
  python: string;
  /** the workspace's own toolchain modules (plugin option adaptersDir), when that folder exists */
  adaptersDir?: string;
}

/** toolchain/manifest.json, written by the package build (scripts/build.js). */
const manifestSchema = z.object({
  version: z.string(),
  wheel: z.object({ file: z.string(), sha256: z.string() }),
  lock: z.object({ file: z.string(), sha256: z.string() }),
  /** the wheel's files by content (`tf2aif_toolchain/converters/tflite.py` -> sha256), for fingerprints and generators */
  sources: z.record(z.string(), z.string()).default({}),
});
type Manifest = z.infer<typeof manifestSchema>;

export function toolchainManifest(): Manifest {
  const file = join(toolchainPackageDir, 'manifest.json');
  if (!existsSync(file)) {
    throw new ToolchainMissingError(`${file} is missing: this copy of @tf2aif/nx was not built (in its repository: npm run build)`);
  }
  return manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

const home = (workspaceRoot: string) => join(workspaceRoot, '.tf2aif');
const venvOf = (workspaceRoot: string) => join(home(workspaceRoot), 'venv');
/** what the venv was installed from: the lock's and the wheel's hashes */
const stampOf = (workspaceRoot: string) => join(venvOf(workspaceRoot), 'tf2aif-toolchain.json');
const stampText = (m: Manifest) => JSON.stringify({ lock: m.lock.sha256, wheel: m.wheel.sha256 });

function installed(workspaceRoot: string, m: Manifest): boolean {
  const stamp = stampOf(workspaceRoot);
  return existsSync(join(venvOf(workspaceRoot), 'bin', 'python')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === stampText(m);
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** One installer at a time per workspace (parallel Nx tasks may all find the toolchain missing): a lock folder. */
function withInstallLock<T>(workspaceRoot: string, log: (line: string) => void, body: () => T): T {
  const lock = join(home(workspaceRoot), 'install.lock');
  mkdirSync(home(workspaceRoot), { recursive: true });
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const pid = Number(existsSync(join(lock, 'pid')) ? readFileSync(join(lock, 'pid'), 'utf8') : 0);
      if (pid && !alive(pid)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (!told) log(`waiting for the toolchain install of process ${pid || '?'} to finish`);
      told = true;
      sleep(1000);
    }
  }
  try {
    return body();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The venv from the lock and the wheel in one `uv pip sync --require-hashes`: exactly those, nothing else. */
function install(workspaceRoot: string, m: Manifest, log: (line: string) => void) {
  const venv = venvOf(workspaceRoot);
  const shown = relative(workspaceRoot, venv) || venv;
  const started = Date.now();
  log(
    `installing the Python toolchain ${m.version} (TensorFlow, LiteRT, tf2onnx, ONNX Runtime, OpenVINO; ` +
      `about 1.5 GB, a minute or two the first time) into ${shown}`,
  );
  const uv = ensureUv(home(workspaceRoot), log);
  rmSync(stampOf(workspaceRoot), { force: true });
  if (!existsSync(join(venv, 'bin', 'python'))) run(uv, ['venv', '--quiet', '--python', findPython(), venv], `making ${shown}`);
  const wheel = join(toolchainPackageDir, m.wheel.file);
  const requirements = join(home(workspaceRoot), 'toolchain-requirements.txt');
  writeFileSync(
    requirements,
    `${readFileSync(join(toolchainPackageDir, m.lock.file), 'utf8')}\n# the toolchain itself, shipped in @tf2aif/nx\n` +
      `tf2aif-toolchain @ file://${wheel} \\\n    --hash=sha256:${m.wheel.sha256}\n`,
  );
  // bytecode compiled at install: importing TensorFlow then takes ~3.5 s instead of ~9 s
  run(
    uv,
    ['pip', 'sync', '--quiet', '--python', join(venv, 'bin', 'python'), '--require-hashes', '--compile-bytecode', requirements],
    `installing the toolchain into ${shown}`,
  );
  const stamp = stampOf(workspaceRoot);
  writeFileSync(`${stamp}.tmp`, stampText(m));
  renameSync(`${stamp}.tmp`, stamp);
  log(`Python toolchain ${m.version} ready in ${shown} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}

const stderrLog = (line: string) => process.stderr.write(`tf2aif: ${line}\n`);

/**
 * The workspace's managed Python environment (.tf2aif/venv) with this package's toolchain, installed or
 * brought up to date first when it is missing or was installed from another lock or wheel.
 */
export function ensurePythonToolchain(workspaceRoot: string, log: (line: string) => void = stderrLog): PythonToolchain {
  const m = toolchainManifest();
  if (!installed(workspaceRoot, m)) {
    findPython(); // say what is missing before anything is written
    withInstallLock(workspaceRoot, log, () => {
      if (!installed(workspaceRoot, m)) install(workspaceRoot, m, log);
    });
  }
  const adaptersDir = join(workspaceRoot, readPluginOptions(workspaceRoot).adaptersDir);
  return { python: join(venvOf(workspaceRoot), 'bin', 'python'), ...(existsSync(adaptersDir) ? { adaptersDir } : {}) };
}

/** Environment for every toolchain process; TensorFlow crashes on some machines with oneDNN on (see REFERENCE). */
export function toolchainEnv(toolchain: PythonToolchain): NodeJS.ProcessEnv {
  return {
    TF_ENABLE_ONEDNN_OPTS: '0',
    // TensorFlow's C++ start-up chatter (no CUDA driver, ...) hides the progress lines; TF2AIF_DEBUG=1 keeps it
    TF_CPP_MIN_LOG_LEVEL: process.env.TF2AIF_DEBUG ? '0' : '3',
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...(toolchain.adaptersDir ? { TF2AIF_ADAPTERS: toolchain.adaptersDir } : {}),
  };
}
