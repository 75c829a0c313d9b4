import type { ExecutorContext } from '@nx/devkit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import imageExecutor from './executor';

const workspaceRoot = mkdtempSync(join(tmpdir(), 'tf2aif-image-'));
afterAll(() => rmSync(workspaceRoot, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

describe('image executor', () => {
  it('says a tf2aif.json broken since the graph was made in one line, as every executor does (no stack)', async () => {
    mkdirSync(join(workspaceRoot, 'models', 'broken'), { recursive: true });
    writeFileSync(
      join(workspaceRoot, 'models', 'broken', 'tf2aif.json'),
      JSON.stringify({ task: 'classification', platforms: { cpu: { batchSize: 0 } } }),
    );
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const context = { root: workspaceRoot, projectName: 'broken-cpu', targetName: 'image' } as ExecutorContext;
    const raw = { tf2aif: { config: 'models/broken/tf2aif.json', variant: 'cpu', target: 'image' } };
    expect(await imageExecutor(raw, context)).toEqual({ success: false });
    expect(errors.mock.calls).toEqual([[expect.stringMatching(/^✖ models\/broken\/tf2aif\.json is not valid:\n/)]]);
  });
});
