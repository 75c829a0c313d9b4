import { logger, readNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it, vi } from 'vitest';
import { initGenerator } from './generator';

describe('init generator', () => {
  it('registers the plugin once and ignores build outputs and the Python env', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.gitignore', 'node_modules/\n');
    await initGenerator(tree, { skipFormat: true, skipToolchain: true });
    await initGenerator(tree, { skipFormat: true, skipToolchain: true });
    const plugins = readNxJson(tree)?.plugins ?? [];
    expect(plugins).toHaveLength(1);
    // registered with every option's default written out, so a workspace sees the target names it can change
    expect(plugins[0]).toEqual({
      plugin: '@tf2aif/nx',
      options: expect.objectContaining({
        platformsDir: 'tf2aif/platforms',
        adaptersDir: 'tf2aif/adapters',
        verifyTargetName: 'verify',
        serveTargetName: 'serve',
      }),
    });
    expect(tree.read('.gitignore', 'utf8')).toBe('node_modules/\ndist/\n.tf2aif/\n');
  });

  it('keeps a registration with options', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('nx.json', JSON.stringify({ plugins: [{ plugin: '@tf2aif/nx', options: { serveTargetName: 'serve-variant' } }] }));
    await initGenerator(tree, { skipFormat: true, skipToolchain: true });
    expect(readNxJson(tree)?.plugins).toEqual([{ plugin: '@tf2aif/nx', options: { serveTargetName: 'serve-variant' } }]);
  });

  it('installs the toolchain after the files are written, and says in one line what is missing', async () => {
    const tree = createTreeWithEmptyWorkspace();
    const callback = await initGenerator(tree, { skipFormat: true });
    const saved = { path: process.env.PATH, python: process.env.TF2AIF_PYTHON, uv: process.env.TF2AIF_UV, exitCode: process.exitCode };
    const errors: string[] = [];
    const spy = vi.spyOn(logger, 'error').mockImplementation((m) => void errors.push(String(m)));
    try {
      // a workspace without .tf2aif/venv, on a machine without python3.11
      process.env.PATH = '/nonexistent';
      delete process.env.TF2AIF_PYTHON;
      delete process.env.TF2AIF_UV;
      await callback();
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^tf2aif: Python 3\.11 is required .* not on the PATH: install it .* Then run `npx nx g @tf2aif\/nx:init`/);
      expect(errors[0]).not.toContain('\n');
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
      process.env.PATH = saved.path;
      if (saved.python !== undefined) process.env.TF2AIF_PYTHON = saved.python;
      if (saved.uv !== undefined) process.env.TF2AIF_UV = saved.uv;
      process.exitCode = saved.exitCode;
    }
  });
});
