import { readFileSync } from 'fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Coverage } from '../plugins/nx/src/zoo/coverage-report';
import { findDuplicateOutputs, formatDuplicates } from './support/duplicate-outputs';
import { createTempWorkspace, type TempWorkspace } from './support/temp-workspace';

const readJson = (ws: TempWorkspace, path: string) => JSON.parse(readFileSync(ws.path(path), 'utf8'));

/** The fields of an input in tf2aif.json and in model.json that the test reads. */
interface InputFields {
  name: string;
  dtype?: string;
  range?: number[];
}

/**
 * The zoo's CI slice (one recurrent, one attention, one model whose layers hold constants, one multi-input
 * model read from a .keras file), each added as a user adds a model and verified on every platform column.
 */
describe('model zoo, CI slice', () => {
  let ws: TempWorkspace;
  beforeAll(() => {
    ws = createTempWorkspace({ models: ['digits'], zoo: true });
  });
  afterAll(() => ws?.dispose());

  it('verifies every cell of the slice and writes the coverage matrix', { timeout: 2_400_000 }, async () => {
    const run = await ws.nx('run', 'tf2aif:zoo', '--slice=ci', '--failUnder=1');
    const coverage: Coverage = readJson(ws, 'dist/zoo/coverage.json');
    const failing = coverage.cells.filter((c) => c.status !== 'verified').map((c) => `${c.variant} (${c.stage}): ${c.reason}`);
    expect(failing, run.output).toEqual([]);
    expect(run.exitCode, run.output).toBe(0);
    const slice = readJson(ws, 'zoo/zoo.json').slices.ci;
    expect([...coverage.selection.models].sort()).toEqual([...slice].sort());
    expect(coverage.totals.cells).toBe(slice.length * Object.keys(readJson(ws, 'zoo/zoo.json').platforms).length);
    // added as a user adds a model: a tf2aif.json from the generator, pointing at the exported file
    const added: { source: unknown; inputs: InputFields[] } = readJson(ws, '.tf2aif/zoo/models/tabular/tf2aif.json');
    expect(added.source).toEqual({ format: 'keras', path: '../../exports/tabular/model.keras' });
    expect(added.inputs.map((i) => [i.name, i.dtype])).toEqual([
      ['category', 'int32'],
      ['features', 'float32'],
    ]);
    // the embedding's rows were read from the model: calibration ids stay inside them
    const model: { inputs: InputFields[] } = readJson(ws, '.tf2aif/zoo/dist/models/tabular/model.json');
    expect(model.inputs.find((i) => i.name === 'category')?.range).toEqual([0, 49]);
    // the recurrent model reached TFLite through its static batch
    expect(readJson(ws, '.tf2aif/zoo/dist/variants/lstm-text-cpu/convert/artifact.json').staticBatch).toBe(1);
    expect(readFileSync(ws.path('dist/zoo/coverage.html'), 'utf8')).toContain('cells verified (100.0%)');
    // each artifact computed once across the slice's cells (a variant links the export it starts from)
    const duplicates = findDuplicateOutputs(ws.path('.tf2aif/zoo/dist'));
    expect(duplicates.duplicates, formatDuplicates(duplicates)).toEqual([]);
  });

  it('resumes from the cache: a second run reruns no step', { timeout: 900_000 }, async () => {
    const run = await ws.nx('run', 'tf2aif:zoo', '--slice=ci', '--failUnder=1');
    expect(run.exitCode, run.output).toBe(0);
    const total = readJson(ws, 'dist/zoo/coverage.json').totals.cells;
    // every cell's verify answered by the Nx cache (without the daemon Nx restores the files, so mtimes change)
    const cellLines = run.output.split('\n').filter((l) => /\] +\d+\/\d+ \S+ x \S+: /.test(l));
    expect(cellLines).toHaveLength(total);
    expect(
      cellLines.filter((l) => !l.trimEnd().endsWith('[cache]')),
      run.output,
    ).toEqual([]);
    expect(readJson(ws, 'dist/zoo/coverage.json').totals.failed).toBe(0);
  });

  it('names an unknown model and writes nothing', async () => {
    const run = await ws.nx('run', 'tf2aif:zoo', '--models=resnet-9000');
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/--models: unknown model\(s\) resnet-9000 \(known: resnet50, /);
  });
});
