import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadFleet, poolNodeSelector } from './fleet';

const sample = join(__dirname, '..', '..', '..', '..', 'plan', 'fleet.json');
const dir = mkdtempSync(join(tmpdir(), 'tf2aif-fleet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(doc: unknown): string {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  return file;
}

const pool = { name: 'x86', hardware: 'x86_64', nodes: 2, capacity: { cores: 8, memoryMiB: 16384 }, costPerHour: 0.3, watts: 150 };

describe('fleet file', () => {
  it('reads the sample fleet: an x86, a GPU and an ARM edge pool', () => {
    const fleet = loadFleet(sample);
    expect(fleet.pools.map((p) => p.hardware)).toEqual(['x86_64', 'nvidia-gpu', 'aarch64']);
    expect(fleet.pools[0].capacity.accelerators).toBe(0); // the schema's default
    expect(poolNodeSelector(fleet.pools[0])).toEqual({ 'tf2aif.ai/pool': 'x86' });
    expect(poolNodeSelector(fleet.pools[2])).toEqual({ 'node-role.example.com/edge': 'true' });
  });

  it('names the file and every bad field', () => {
    const file = write({ pools: [pool, { ...pool, hardware: 'tpu', nodes: -1, capcity: {} }] });
    expect(() => loadFleet(file, 'plan/fleet.json')).toThrow(
      /plan\/fleet\.json is not valid:[\s\S]*pools\[1\]\.hardware[\s\S]*pools\[1\]\.nodes[\s\S]*pools\[1\]\.capcity: unknown field "capcity"/,
    );
  });

  it('refuses duplicate pool names, an empty fleet, broken JSON and a missing file', () => {
    expect(() => loadFleet(write({ pools: [pool, pool] }), 'f.json')).toThrow(/pools\[1\]\.name: duplicate pool name "x86"/);
    expect(() => loadFleet(write({ pools: [] }), 'f.json')).toThrow(/pools: a fleet needs at least one pool/);
    expect(() => loadFleet(write('{"pools": [}'), 'f.json')).toThrow(/f\.json is not valid:\n {2}- not valid JSON/);
    expect(() => loadFleet(join(dir, 'nope.json'), 'plan/nope.json')).toThrow(/plan\/nope\.json is not valid:\n {2}- no such file/);
  });
});
