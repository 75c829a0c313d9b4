import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPluginOptions } from './plugin-options';

describe('readPluginOptions', () => {
  const dirs: string[] = [];
  const workspace = (nxJson: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'tf2aif-options-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'nx.json'), nxJson);
    return dir;
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('reads the plugin entry of a plain nx.json', () => {
    const dir = workspace(JSON.stringify({ plugins: [{ plugin: '@tf2aif/nx', options: { verifyTargetName: 'check' } }] }));
    expect(readPluginOptions(dir).targetNames.verify).toBe('check');
  });

  it('reads an nx.json with comments and trailing commas as Nx does', () => {
    const dir = workspace('{\n  // ours\n  "plugins": [{ "plugin": "@tf2aif/nx", "options": { "verifyTargetName": "check", }, },],\n}\n');
    expect(readPluginOptions(dir).targetNames.verify).toBe('check');
  });

  it('takes the defaults without an nx.json entry', () => {
    expect(readPluginOptions(workspace('{}')).targetNames.verify).toBe('verify');
  });
});
