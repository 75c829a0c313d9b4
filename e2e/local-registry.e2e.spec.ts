// The plugin installed the way a user installs it: published by `nx release publish` into a local npm
// registry, then `npm i -D @tf2aif/nx` in a workspace create-nx-workspace made. What the plugin does once
// installed is tested elsewhere; this keeps the registry, the release config and the install path working.
import { execa } from 'execa';
import { readFileSync } from 'fs';
import { join } from 'path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryEnv, startLocalRegistry, type LocalRegistry } from './support/local-registry';
import { pluginPackage, publishPlugin } from './support/publish-plugin';
import { repoRoot } from './support/temp-workspace';
import { createUserWorkspace, type UserWorkspace } from './support/user-workspace';

const pluginVersion = JSON.parse(readFileSync(join(repoRoot, 'plugins', 'nx', 'package.json'), 'utf8')).version as string;
const log = (line: string) => console.log(`[local-registry] ${line}`);

describe('the plugin from a local npm registry, as a user installs it', () => {
  let registry: LocalRegistry;
  let ws: UserWorkspace | undefined;
  beforeAll(async () => {
    registry = await startLocalRegistry();
    log(`verdaccio at ${registry.url} in ${registry.startSeconds.toFixed(1)} s`);
  });
  afterAll(async () => {
    ws?.dispose();
    await registry?.stop();
  });

  it('nx release publish puts the plugin, at its package.json version, into the registry', async () => {
    const published = await publishPlugin(registry);
    log(`nx release publish in ${published.seconds.toFixed(1)} s`);
    expect(published.output).toContain('Successfully ran target nx-release-publish for project @tf2aif/nx');
    const view = await execa('npm', ['view', `${pluginPackage}@${pluginVersion}`, 'version', '--json'], {
      env: registryEnv(registry),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(view.exitCode, view.all).toBe(0);
    expect(JSON.parse(view.stdout)).toBe(pluginVersion);
  });

  it('npm i -D @tf2aif/nx in a create-nx-workspace@23.2.1 workspace installs that package from the registry', async () => {
    ws = await createUserWorkspace({ nxVersion: '23.2.1', registry });
    log(`${ws.created.how}: ${ws.created.seconds.toFixed(1)} s`);
    const started = Date.now();
    const install = await ws.run('npm', ['install', '--save-dev', pluginPackage]);
    log(`npm i -D ${pluginPackage}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(install.exitCode, install.output).toBe(0);
    expect(install.output).not.toMatch(/ERESOLVE/);

    const installed = JSON.parse(readFileSync(join(ws.root, 'node_modules', '@tf2aif', 'nx', 'package.json'), 'utf8'));
    expect(installed.version).toBe(pluginVersion);
    const lock = JSON.parse(readFileSync(join(ws.root, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@tf2aif/nx'].resolved).toMatch(new RegExp(`^${registry.url}/`));
    expect(lock.packages['node_modules/nx'].resolved).toMatch(new RegExp(`^${registry.url}/`)); // proxied, not fetched around it
  });
});
