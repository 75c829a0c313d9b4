import { describe, expect, it } from 'vitest';
import { hostConfigFromRunArgs } from './run-args';

describe('hostConfigFromRunArgs', () => {
  it('turns the flags platform descriptors use into HostConfig fields', () => {
    expect(hostConfigFromRunArgs(['--gpus', 'all'])).toEqual({ DeviceRequests: [{ Driver: 'nvidia', Count: -1, Capabilities: [['gpu']] }] });
    expect(hostConfigFromRunArgs(['--runtime=nvidia'])).toEqual({ Runtime: 'nvidia' });
    expect(hostConfigFromRunArgs(['--device', '/dev/dri', '--device', '/dev/xclmgmt:/dev/x:rw']).Devices).toEqual([
      { PathOnHost: '/dev/dri', PathInContainer: '/dev/dri', CgroupPermissions: 'rwm' },
      { PathOnHost: '/dev/xclmgmt', PathInContainer: '/dev/x', CgroupPermissions: 'rw' },
    ]);
    expect(hostConfigFromRunArgs([])).toEqual({});
    // a glob, as in alveo's --device /dev/xclmgmt*, is expanded as a shell would (here on /dev/tty*)
    const ttys = hostConfigFromRunArgs(['--device', '/dev/tty*']).Devices as { PathOnHost: string }[];
    expect(ttys.length).toBeGreaterThan(0);
    expect(ttys.every((d) => d.PathOnHost.startsWith('/dev/tty'))).toBe(true);
  });

  it('names a flag it does not know instead of dropping it', () => {
    expect(() => hostConfigFromRunArgs(['--privileged', 'x'])).toThrow(/--privileged is not supported/);
    expect(() => hostConfigFromRunArgs(['--device'])).toThrow(/--device needs a value/);
    expect(() => hostConfigFromRunArgs(['--device', '/dev/no-such-device-tf2aif*'])).toThrow(/no device on this machine matches/);
  });
});
