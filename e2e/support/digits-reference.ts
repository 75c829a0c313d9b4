import { execFileSync } from 'child_process';
import { ensurePythonToolchain, toolchainEnv } from '../../plugins/nx/src/toolchain/python-toolchain';
import type { TempWorkspace } from './temp-workspace';

export interface DigitsReference {
  images: number[][];
  classes: number[];
  /** output_0 of each image, as the runtime adapter returns it (dequantized) */
  outputs: number[][];
  /** one step of output_0's INT8 grid (a .tflite artifact with a quantized output), else 0 */
  outputStep: number;
}

/**
 * Held-out digits and what a variant's artifact gives them, run locally through the toolchain's runtime
 * adapter (no server, no container): what a served variant must answer.
 */
export function localDigitsReference(ws: TempWorkspace, runtime: string, artifactDir: string, samples: number): DigitsReference {
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
outputs = [runner.run({"image": images[i:i+1]})["output_0"].reshape(-1) for i in range(len(images))]
step = 0.0
artifact = folder / read_meta(folder)["artifact"]
if artifact.suffix == ".tflite":
    from ai_edge_litert.interpreter import Interpreter
    detail = Interpreter(model_path=str(artifact)).get_signature_runner("serving_default").get_output_details()["output_0"]
    step = float(detail["quantization"][0])
print(json.dumps({"images": images.reshape(len(images), -1).tolist(), "classes": [int(o.argmax()) for o in outputs],
                  "outputs": [o.tolist() for o in outputs], "outputStep": step}))
`;
  const toolchain = ensurePythonToolchain(ws.root);
  const out = execFileSync(toolchain.python, ['-c', script], { cwd: ws.root, env: { ...process.env, ...toolchainEnv(toolchain) }, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}
