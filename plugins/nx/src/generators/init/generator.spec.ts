import { readNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import { describe, expect, it } from 'vitest';
import { initGenerator } from './generator';

describe('init generator', () => {
  it('registers the plugin once and ignores build outputs and the Python env', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.gitignore', 'node_modules/\n');
    await initGenerator(tree, { skipFormat: true });
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)?.plugins).toEqual(['@tf2aif/nx']);
    expect(tree.read('.gitignore', 'utf8')).toBe('node_modules/\ndist/\n.tf2aif/\n');
  });

  it('keeps a registration with options', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('nx.json', JSON.stringify({ plugins: [{ plugin: '@tf2aif/nx', options: { toolchainDir: 'py' } }] }));
    await initGenerator(tree, { skipFormat: true });
    expect(readNxJson(tree)?.plugins).toEqual([{ plugin: '@tf2aif/nx', options: { toolchainDir: 'py' } }]);
  });
});
