import { execFileSync } from 'child_process';
import { findPythonToolchain, toolchainEnv } from '../../plugins/nx/src/toolchain/python-toolchain';
import type { TempWorkspace } from './temp-workspace';

/**
 * Held-out digits and the classes a variant's artifact gives them, run locally through the toolchain's
 * runtime adapter (no server, no container): what a served variant must answer.
 */
export function localDigitsReference(ws: TempWorkspace, runtime: string, artifactDir: string, samples: number): { images: number[][]; classes: number[] } {
  const script = `
import json, sys
from pathlib import Path
sys.path.insert(0, "models/digits")
from digits_data import held_out_set
from tf2aif_toolchain.artifact import read_meta
from tf2aif_toolchain.adapters import load_adapter
images = held_out_set()[0][:${samples}]
folder = Path(${JSON.stringify(artifactDir)})
runner = load_adapter("runtimes", ${JSON.stringify(runtime)}).load(folder, read_meta(folder))
classes = [int(runner.run({"image": images[i:i+1]})["output_0"].argmax()) for i in range(len(images))]
print(json.dumps({"images": images.reshape(len(images), -1).tolist(), "classes": classes}))
`;
  const toolchain = findPythonToolchain(ws.root, 'packages/toolchain');
  const out = execFileSync(toolchain.python, ['-c', script], { cwd: ws.root, env: { ...process.env, ...toolchainEnv(toolchain) }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}
