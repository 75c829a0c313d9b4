import { existsSync, readdirSync } from 'fs';
import { basename, dirname, join } from 'path';

/**
 * A platform descriptor's `docker run` arguments (`image.runArgs`) as the Engine API's HostConfig, so that
 * `bench --image` starts the container with the devices the platform needs. Only the flags descriptors use
 * are known; any other fails, naming it, rather than being dropped.
 */
function devicesMatching(pattern: string): string[] {
  const dir = dirname(pattern);
  const prefix = basename(pattern).slice(0, -1);
  const found = existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => n.startsWith(prefix))
        .map((n) => join(dir, n))
    : [];
  if (found.length === 0) throw new Error(`image.runArgs: no device on this machine matches ${pattern}`);
  return found.sort();
}

export function hostConfigFromRunArgs(runArgs: string[]): { Runtime?: string; Devices?: object[]; DeviceRequests?: object[] } {
  const config: { Runtime?: string; Devices?: object[]; DeviceRequests?: object[] } = {};
  for (let i = 0; i < runArgs.length; i++) {
    const [flag, inline] = runArgs[i].split(/=(.*)/s, 2);
    const value = inline ?? runArgs[++i];
    if (value === undefined) throw new Error(`image.runArgs: ${flag} needs a value`);
    if (flag === '--gpus') {
      if (value !== 'all') throw new Error(`image.runArgs: --gpus ${value} is not supported here; use --gpus all`);
      config.DeviceRequests = [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }];
    } else if (flag === '--runtime') {
      config.Runtime = value;
    } else if (flag === '--device') {
      const [host, container, permissions = 'rwm'] = value.split(':');
      // a shell would expand /dev/xclmgmt* (one node per FPGA card); the Engine API does not
      const hosts = host.endsWith('*') ? devicesMatching(host) : [host];
      const devices = hosts.map((h) => ({ PathOnHost: h, PathInContainer: container ?? h, CgroupPermissions: permissions }));
      config.Devices = [...(config.Devices ?? []), ...devices];
    } else {
      throw new Error(`image.runArgs: ${flag} is not supported by bench --image (known: --gpus, --runtime, --device)`);
    }
  }
  return config;
}
