import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { deployedRuntime } from './deployed-runtime';

function workspace(artifact: object | null) {
  const root = mkdtempSync(join(tmpdir(), 'tf2aif-deployed-'));
  mkdirSync(join(root, 'a'));
  if (artifact) writeFileSync(join(root, 'a', 'artifact.json'), JSON.stringify(artifact));
  return root;
}

describe('deployedRuntime', () => {
  const variant = { runtime: 'tflite', executor: 'tflite', requirements: 'tflite', artifactPath: 'a', imageTag: 't' };

  it("follows the artifact a convert step made with the platform's fallback runtime", () => {
    const root = workspace({
      runtime: 'onnxruntime',
      fallback: { from: 'tflite', executor: 'onnxruntime', requirements: 'onnxruntime', ops: ['MaxPool3D'] },
    });
    expect(deployedRuntime(root, variant)).toEqual({ ...variant, runtime: 'onnxruntime', executor: 'onnxruntime', requirements: 'onnxruntime' });
  });

  it("keeps the variant's own runtime otherwise, and before the artifact exists", () => {
    expect(deployedRuntime(workspace({ runtime: 'tflite' }), variant)).toBe(variant);
    expect(deployedRuntime(workspace(null), variant)).toBe(variant);
  });

  it('names the file and the field of a malformed record', () => {
    expect(() => deployedRuntime(workspace({ runtime: 'onnxruntime', fallback: { from: 'tflite' } }), variant)).toThrow(
      /artifact\.json.*fallback\.executor/s,
    );
  });
});
