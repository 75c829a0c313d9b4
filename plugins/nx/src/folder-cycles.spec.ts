import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { dirname, join, relative, resolve } from 'path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The folders of src/ form layers: a folder may import a lower one, never one that imports it back (directly or
 * through others). A folder is the first path segment under src/ (`graph`, `settings`, ...), with two exceptions:
 * each executors/<name> is a folder of its own that may import anything (executors/*.ts is their shared `executors`),
 * and files directly under src/ (index.ts) are entry points; nothing may import executors/ or an entry point.
 */
const src = __dirname;

/**
 * Every relative module specifier in a file, with its line: imports (`import type` too), `export ... from`, `import()`,
 * `require()`, `import('x').T`.
 */
function relativeImports(text: string, fileName = 'file.ts'): Array<{ specifier: string; line: number }> {
  const file = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: Array<{ specifier: string; line: number }> = [];
  const add = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node) && node.text.startsWith('.')) {
      found.push({ specifier: node.text, line: file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1 });
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    ) {
      add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** A file's folder in the layering (see above), from its path relative to src/. */
function folderOf(path: string): string {
  const parts = path.split('/');
  if (parts.length === 1) return '.';
  if (parts[0] === 'executors' && parts.length > 2) return `executors/${parts[1]}`;
  return parts[0];
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== '__fixtures__') sourceFiles(path, out);
    } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The module a relative specifier names, as TypeScript resolves it (`x.ts`, `x/index.ts`, or a file as named). */
function resolveModule(from: string, specifier: string): string | null {
  const base = resolve(dirname(from), specifier);
  for (const candidate of [`${base}.ts`, join(base, 'index.ts'), base]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return null;
}

interface Edge {
  from: string;
  to: string;
  /** one import that makes the edge: `graph/create-nodes.ts:7 imports '../plugin/plugin-options'` */
  example: string;
}

/** The folder graph of src/ (one example import per edge), and imports that break a rule outright. */
function folderGraph(root: string): { edges: Edge[]; problems: string[] } {
  const edges = new Map<string, Edge>();
  const problems: string[] = [];
  for (const file of sourceFiles(root)) {
    const path = relative(root, file);
    const from = folderOf(path);
    for (const { specifier, line } of relativeImports(readFileSync(file, 'utf8'), file)) {
      const where = `${path}:${line} imports '${specifier}'`;
      const target = resolveModule(file, specifier);
      if (!target) {
        problems.push(`${where}: no such module`);
        continue;
      }
      const targetPath = relative(root, target);
      if (targetPath.startsWith('..')) continue; // outside src/ (package.json and the like)
      const to = folderOf(targetPath);
      if (to === from) continue;
      if (to === '.') problems.push(`${where}: files directly under src/ are entry points, imported by nothing`);
      if (to.startsWith('executors') && !from.startsWith('executors')) problems.push(`${where}: nothing outside executors/ imports an executor`);
      const key = `${from} -> ${to}`;
      if (!edges.has(key)) edges.set(key, { from, to, example: where });
    }
  }
  return { edges: [...edges.values()], problems };
}

/** Strongly connected components with more than one folder (Tarjan), each sorted, in a stable order. */
function folderCycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const v of [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort()) if (!index.has(v)) visit(v);
  return components.sort((a, b) => a[0].localeCompare(b[0]));
}

/** Each cycle as lines a person can act on: its folders, then every edge inside it with one import that makes it. */
function describeCycles(edges: Edge[]): string[] {
  return folderCycles(edges).flatMap((folders) => [
    `cycle between ${folders.join(', ')}:`,
    ...edges
      .filter((e) => folders.includes(e.from) && folders.includes(e.to))
      .sort((a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to))
      .map((e) => `  ${e.from} -> ${e.to}: ${e.example}`),
  ]);
}

describe('folders of src/', () => {
  it('reads every kind of relative import', () => {
    const text = [
      "import { a } from './a';",
      "import type { B } from '../b/b';",
      "export { c } from './c';",
      "export * from '../d';",
      "import e = require('./e');",
      "const f = () => import('../f/f');",
      "const g = require('./g');",
      "let h: import('../h').H;",
      "import { z } from 'zod';",
    ].join('\n');
    expect(relativeImports(text).map((i) => `${i.line} ${i.specifier}`)).toEqual([
      '1 ./a',
      '2 ../b/b',
      '3 ./c',
      '4 ../d',
      '5 ./e',
      '6 ../f/f',
      '7 ./g',
      '8 ../h',
    ]);
  });

  it('finds a cycle, with an import for each of its edges', () => {
    const edges = [
      { from: 'a', to: 'b', example: 'a/x.ts:1' },
      { from: 'b', to: 'c', example: 'b/y.ts:2' },
      { from: 'c', to: 'a', example: 'c/z.ts:3' },
      { from: 'c', to: 'd', example: 'c/z.ts:4' },
    ];
    expect(folderCycles(edges)).toEqual([['a', 'b', 'c']]);
    expect(describeCycles(edges)).toEqual(['cycle between a, b, c:', '  a -> b: a/x.ts:1', '  b -> c: b/y.ts:2', '  c -> a: c/z.ts:3']);
  });

  it('import each other in one direction only (no cycle between folders)', () => {
    const { edges, problems } = folderGraph(src);
    // the graph is really read: the plugin's entry point reaches createNodes, createNodes reads tf2aif.json
    expect(edges.map((e) => `${e.from} -> ${e.to}`)).toEqual(expect.arrayContaining(['. -> graph', 'graph -> config']));
    expect([...problems, ...describeCycles(edges)]).toEqual([]);
  });
});
