import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { withAtomicOutput } from './atomic-output';

describe('withAtomicOutput', () => {
  it('lands links into the workspace relative to where they lie (the Nx cache and other checkouts restore them)', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'tf2aif-atomic-'));
    mkdirSync(join(ws, 'dist/shared/m/onnx-batch1'), { recursive: true });
    writeFileSync(join(ws, 'dist/shared/m/onnx-batch1/model.onnx'), 'weights');
    await withAtomicOutput(ws, 'dist/variants/m-gpu/convert', async (scratch) => {
      // the toolchain links by absolute path while it writes in scratch (artifact.py link_tree)
      mkdirSync(join(scratch, 'sub'));
      symlinkSync(join(ws, 'dist/shared/m/onnx-batch1/model.onnx'), join(scratch, 'sub', 'model.onnx'));
      symlinkSync('/etc/hostname', join(scratch, 'outside'));
    });
    const link = join(ws, 'dist/variants/m-gpu/convert/sub/model.onnx');
    expect(readlinkSync(link)).toBe('../../../../shared/m/onnx-batch1/model.onnx');
    expect(readFileSync(link, 'utf8')).toBe('weights');
    // a link out of the workspace is left as it is
    expect(readlinkSync(join(ws, 'dist/variants/m-gpu/convert/outside'))).toBe('/etc/hostname');
  });
});
