import { mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { describe, expect, it } from 'vitest';
import { generatorCommands } from './add-models';
import { loadZooCatalog, selectCells, zooCatalogSchema } from './zoo-catalog';

const catalog = zooCatalogSchema.parse({
  platforms: { cpu: {}, 'cpu-onnxruntime': { platform: 'cpu', runtime: 'onnxruntime' }, arm: {} },
  slices: { ci: ['lstm'] },
  models: [
    { name: 'lstm', builder: 'text_rnn', args: { cell: 'lstm' }, export: 'savedmodel' },
    { name: 'cnn', builder: 'cnn', export: 'keras' },
  ],
});

describe('zoo catalog', () => {
  it('selects cells by slice, models and platforms, and names what it does not know', () => {
    expect(selectCells(catalog, {}).models.map((m) => m.name)).toEqual(['lstm', 'cnn']);
    expect(selectCells(catalog, { slice: 'ci', platforms: 'arm,cpu' })).toMatchObject({ models: [{ name: 'lstm' }], platforms: ['cpu', 'arm'] });
    expect(() => selectCells(catalog, { models: 'lstm,vgg' })).toThrow(/--models: unknown model\(s\) vgg \(known: lstm, cnn\)/);
    expect(() => selectCells(catalog, { platforms: 'tpu' })).toThrow(/--platforms: unknown platform\(s\) tpu/);
    expect(() => selectCells(catalog, { slice: 'nightly' })).toThrow(/--slice: no slice "nightly" \(slices: ci\)/);
    expect(() => selectCells(catalog, { slice: 'ci', models: 'cnn' })).toThrow(/select no model/);
  });

  it('refuses duplicates, unknown slice members and missing builders, naming the field', () => {
    const bad = {
      platforms: {},
      slices: { ci: ['x'] },
      models: [
        { name: 'a', builder: 'b', export: 'keras' },
        { name: 'a', builder: 'b', export: 'onnx' },
      ],
    };
    const issues = zooCatalogSchema.safeParse(bad).error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    expect(issues.join('\n')).toMatch(/models\.1\.export/);
    const ws = mkdtempSync(join(tmpdir(), 'zoo-'));
    mkdirSync(join(ws, 'zoo'));
    writeFileSync(join(ws, 'zoo', 'zoo.json'), JSON.stringify({ platforms: {}, models: [{ name: 'a', builder: 'nope', export: 'keras' }] }));
    expect(() => loadZooCatalog(ws, 'zoo/zoo.json')).toThrow(/builder zoo\/builders\/nope\.py does not exist/);
    writeFileSync(
      join(ws, 'zoo', 'zoo.json'),
      JSON.stringify({
        platforms: {},
        slices: { ci: ['x'] },
        models: [
          { name: 'a', builder: 'nope', export: 'keras' },
          { name: 'a', builder: 'n', export: 'keras' },
        ],
      }),
    );
    expect(() => loadZooCatalog(ws, 'zoo/zoo.json')).toThrow(/duplicate model "a"[\s\S]*no model "x" in models/);
  });

  it('adds a model with the commands a user would type', () => {
    expect(generatorCommands(catalog.models[0], 'exports/lstm/saved_model', catalog.platforms)).toEqual([
      ['g', '@tf2aif/nx:model', 'lstm', '--source=exports/lstm/saved_model', '--trained=false', '--task=classification', '--platforms=cpu,arm'],
      ['g', '@tf2aif/nx:variant', 'lstm', '--add=cpu-onnxruntime', '--platform=cpu', '--runtime=onnxruntime'],
    ]);
  });
});
