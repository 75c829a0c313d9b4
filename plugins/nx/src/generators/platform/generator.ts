import { formatFiles, generateFiles, joinPathFragments, logger, readNxJson, writeJson, type Tree } from '@nx/devkit';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { z } from 'zod';
import { parseOrThrow } from '../../utils/format-issues';
import { platformDescriptorSchema, precisionSchema, type Precision } from '../../platforms/platform-descriptor';
import { loadPlatformRegistry } from '../../platforms/platform-registry';
import { pluginOptionsOf, resolvePluginOptions } from '../../plugin/plugin-options';
import { templatesDir, toolchainPackageDir } from '../../plugin/plugin-package';
import { toolchainManifest } from '../../toolchain/python-toolchain';

export interface PlatformGeneratorOptions {
  name: string;
  title?: string;
  arch?: 'amd64' | 'arm64';
  /** what a node needs to run the variants, in words */
  hardware?: string;
  /** what `bench` needs on the machine to measure it (descriptor field runsOn; default: a CPU of the image's arch) */
  runsOn?: string;
  /** runtime key in the descriptor (default: the executor module, with dashes) */
  runtime?: string;
  /** converters/<module>.py, existing or new */
  converter: string;
  /** comma-separated precisions the runtime offers (default: --precision) */
  precisions?: string;
  /** default precision (default: the first of --precisions; int8 when a quantizer is given, else fp32) */
  precision?: Precision;
  /** quantizers/<module>.py for every non-FP32 precision, or `fp16:a,int8:b` */
  quantizer?: string;
  /** runtimes/<module>.py that runs the artifact (default: the runtime name, with underscores) */
  executor?: string;
  /** compilers/<module>.py for a hardware compile step, existing or new */
  compiler?: string;
  /** serve requirement set the image installs (serve-requirements/<set>-<arch>.lock; default: the runtime name) */
  requirements?: string;
  /** runtime module the deployed server uses when it differs from the executor */
  serveExecutor?: string;
  baseImage?: string;
  batchSize?: number;
  /** included when a model lists no platforms */
  defaultEnabled?: boolean;
  /** copy the shared server.Dockerfile.ejs into the platform folder, to edit */
  ownTemplate?: boolean;
  skipFormat?: boolean;
}

/** Where the generator writes, workspace-relative: the workspace's platforms and its own toolchain modules. */
export interface PlatformLocations {
  platformsDir: string;
  adaptersDir: string;
}

const moduleName = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be a Python module name (lowercase letters, digits, underscores)');
const kebab = z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and dashes, starting with a letter');

const optionsSchema = z.object({
  name: kebab,
  title: z.string().min(1).optional(),
  arch: z.enum(['amd64', 'arm64']).default('amd64'),
  hardware: z.string().min(1).optional(),
  runsOn: z.string().min(1).optional(),
  runtime: kebab.optional(),
  converter: moduleName,
  precisions: z.string().optional(),
  precision: precisionSchema.optional(),
  quantizer: z.string().optional(),
  executor: moduleName.optional(),
  compiler: moduleName.optional(),
  requirements: kebab.optional(),
  serveExecutor: moduleName.optional(),
  baseImage: z.string().min(1).default('python:3.11-slim-bookworm'),
  batchSize: z.number().int().positive().default(1),
  defaultEnabled: z.boolean().default(false),
  ownTemplate: z.boolean().default(false),
  skipFormat: z.boolean().default(false),
});
type Options = z.output<typeof optionsSchema>;

const list = (s?: string) =>
  (s ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);

/** The adapter kinds, as folder of tf2aif_toolchain/ and stub template. */
const kinds = { converter: 'converters', quantizer: 'quantizers', runtime: 'runtimes', compiler: 'compilers' } as const;
type Kind = keyof typeof kinds;

/** The plugin options' platformsDir and adaptersDir (defaults tf2aif/platforms, tf2aif/adapters). */
export function defaultLocations(tree: Tree): PlatformLocations {
  const { platformsDir, adaptersDir } = resolvePluginOptions(pluginOptionsOf(readNxJson(tree)));
  return { platformsDir, adaptersDir };
}

/** The package's own toolchain modules (`converters/tflite.py`, ...), as the wheel holds them. */
function builtInModules(): Set<string> {
  return new Set(Object.keys(toolchainManifest().sources ?? {}).map((f) => f.replace(/^tf2aif_toolchain\//, '')));
}

/** precision -> quantizer module or "none", from --precisions, --precision and --quantizer. */
function precisionMap(o: Options): { precisions: Partial<Record<Precision, string>>; defaultPrecision: Precision } {
  const quantizerText = o.quantizer ?? '';
  const pairs = list(quantizerText).filter((q) => q.includes(':'));
  if (pairs.length > 0 && pairs.length !== list(quantizerText).length) {
    throw new Error(`--quantizer: give one module for every reduced precision, or precision:module pairs, not both ("${quantizerText}")`);
  }
  const byPrecision = new Map<string, string>(pairs.map((p) => p.split(':').map((s) => s.trim()) as [string, string]));
  const single = pairs.length === 0 && quantizerText.trim() ? quantizerText.trim() : undefined;

  const listed = list(o.precisions);
  const paired = [...byPrecision.keys()];
  const wanted =
    listed.length > 0
      ? listed
      : paired.length > 0
        ? [...new Set([...(o.precision ? [o.precision] : []), ...paired])]
        : [o.precision ?? (single ? 'int8' : 'fp32')];
  const precisions: Partial<Record<Precision, string>> = {};
  for (const p of wanted) {
    const precision = parseOrThrow(precisionSchema, p, '--precisions') as Precision;
    if (precision === 'fp32') {
      if (byPrecision.has('fp32')) throw new Error('--quantizer: fp32 is the converter\'s output as is ("none"); quantizers are for fp16 and int8');
      precisions.fp32 = 'none';
      continue;
    }
    const module = byPrecision.get(precision) ?? single;
    if (!module) throw new Error(`precision ${precision} needs a quantizer: --quantizer=<module> (existing or new, in quantizers/)`);
    precisions[precision] = parseOrThrow(moduleName, module, `--quantizer (${precision})`);
  }
  for (const p of byPrecision.keys()) {
    if (!(p in precisions))
      throw new Error(`--quantizer names precision "${p}", which --precisions does not list (${Object.keys(precisions).join(', ')})`);
  }
  if (single && Object.values(precisions).every((q) => q === 'none')) {
    throw new Error(`--quantizer=${single} is given but every precision is fp32; add --precision=int8 (or fp16)`);
  }
  const defaultPrecision = o.precision ?? (wanted[0] as Precision);
  if (!(defaultPrecision in precisions)) {
    throw new Error(`--precision ${defaultPrecision} is not one of --precisions (${Object.keys(precisions).join(', ')})`);
  }
  return { precisions, defaultPrecision };
}

/**
 * Scaffolds a workspace platform: <platformsDir>/<name>/platform.json (checked with the descriptor schema before
 * anything is written) and, for toolchain modules that neither the package nor the workspace has yet, Python stubs
 * in <adaptersDir>/<kind>/ that fail with "not implemented yet: fill in <file>", plus a pytest of the platform's
 * chain. It only adds files in the workspace (never in the installed package): the registry reads the platforms
 * folder beside the built-in one, and the toolchain loads the workspace's modules by name (TF2AIF_ADAPTERS).
 */
export async function platformGenerator(tree: Tree, raw: PlatformGeneratorOptions, locations: PlatformLocations = defaultLocations(tree)) {
  const o = parseOrThrow(optionsSchema, raw, 'options of @tf2aif/nx:platform');
  const { platformsDir, adaptersDir } = locations;
  const platformDir = joinPathFragments(platformsDir, o.name);
  const descriptorFile = joinPathFragments(platformDir, 'platform.json');
  const known = loadPlatformRegistry(join(tree.root, platformsDir)).get(o.name);
  if (tree.exists(descriptorFile) || known) {
    const where = known?.builtIn ? 'a built-in platform' : descriptorFile;
    throw new Error(`platform "${o.name}" already exists (${where}); edit its platform.json, or pick another name`);
  }

  const executor = o.executor ?? (o.runtime ? o.runtime.replace(/-/g, '_') : undefined);
  if (!executor) throw new Error('give --executor=<module in runtimes/> (existing or new) and/or --runtime=<name>');
  parseOrThrow(moduleName, executor, '--executor (from --runtime)');
  const runtime = o.runtime ?? executor.replace(/_/g, '-');
  const { precisions, defaultPrecision } = precisionMap(o);
  const requirements = o.requirements ?? runtime;
  const reduced = Object.entries(precisions)
    .filter(([, q]) => q !== 'none')
    .map(([p]) => p.toUpperCase());
  const precisionsText = Object.keys(precisions)
    .map((p) => p.toUpperCase())
    .join('/');

  const descriptor = {
    name: o.name,
    title: o.title ?? `${o.name}: ${runtime} ${precisionsText}`,
    arch: o.arch,
    hardware: o.hardware ?? (o.arch === 'amd64' ? 'an x86-64 CPU' : 'an ARM64 (aarch64) CPU'),
    ...(o.runsOn ? { runsOn: o.runsOn } : {}),
    defaultEnabled: o.defaultEnabled,
    image: { base: o.baseImage, env: {}, runArgs: [] },
    // Kubernetes placement: nodes of the image's arch; device resources and tolerations are the user's to add
    kubernetes: { nodeSelector: { 'kubernetes.io/arch': o.arch } },
    runtimes: {
      [runtime]: {
        converter: o.converter,
        precisions,
        executor,
        ...(o.compiler ? { compiler: o.compiler } : {}),
        serve: { requirements, ...(o.serveExecutor ? { executor: o.serveExecutor } : {}) },
      },
    },
    defaults: { runtime, precision: defaultPrecision, batchSize: o.batchSize },
  };
  // what the registry will check when it loads the folder, before anything is written
  parseOrThrow(platformDescriptorSchema, descriptor, descriptorFile);

  // the package's shared template, to edit in the platform's own folder
  const template = o.ownTemplate ? readFileSync(join(templatesDir, 'server.Dockerfile.ejs'), 'utf8') : undefined;

  const wanted: Array<[Kind, string]> = [
    ['converter', o.converter],
    ...[...new Set(Object.values(precisions).filter((q) => q !== 'none'))].map((q): [Kind, string] => ['quantizer', q]),
    ['runtime', executor],
    ...(o.serveExecutor && o.serveExecutor !== executor ? [['runtime', o.serveExecutor] as [Kind, string]] : []),
    ...(o.compiler ? [['compiler', o.compiler] as [Kind, string]] : []),
  ];
  const adapterFile = (kind: Kind, module: string) => joinPathFragments(adaptersDir, kinds[kind], `${module}.py`);
  const shipped = builtInModules();
  const created: string[] = [];
  const common = { platform: o.name, title: descriptor.title, template: '' };
  for (const [kind, module] of wanted) {
    const file = adapterFile(kind, module);
    if (shipped.has(`${kinds[kind]}/${module}.py`) || tree.exists(file) || created.includes(file)) continue;
    generateFiles(tree, join(__dirname, 'files', kind), joinPathFragments(adaptersDir, kinds[kind]), {
      ...common,
      module,
      file,
      precisionsText: reduced.join('/') || 'reduced-precision',
    });
    created.push(file);
  }

  writeJson(tree, descriptorFile, descriptor);

  if (created.length > 0) {
    const testName = o.name.replace(/-/g, '_');
    const testFile = joinPathFragments(adaptersDir, 'tests', `test_${testName}_platform.py`);
    const chain = [o.converter, ...new Set(Object.values(precisions).filter((q) => q !== 'none')), executor, ...(o.compiler ? [o.compiler] : [])];
    generateFiles(tree, join(__dirname, 'files', 'test'), joinPathFragments(adaptersDir, 'tests'), {
      ...common,
      testName,
      testFile,
      runtime,
      converter: o.converter,
      executor,
      compiler: o.compiler,
      chain: chain.join(' -> '),
      batchSize: o.batchSize,
      precisionsPython: `{${Object.entries(precisions)
        .map(([p, q]) => `"${p}": "${q}"`)
        .join(', ')}}`,
    });
    created.push(testFile);
  }

  if (template !== undefined) tree.write(joinPathFragments(platformDir, 'server.Dockerfile.ejs'), template);

  const lockName = `${requirements}-${o.arch}.lock`;
  const lock = joinPathFragments(adaptersDir, 'serve-requirements', lockName);
  if (!tree.exists(lock) && !existsSync(join(toolchainPackageDir, 'serve-requirements', lockName))) {
    logger.warn(
      `serve requirement set "${requirements}" has no ${o.arch} lock: write ${adaptersDir}/serve-requirements/${requirements}.in and pin it ` +
        `with hashes (uv pip compile --generate-hashes ${requirements}.in -o ${lockName}); compose fails until then`,
    );
  }
  if (created.length > 0) {
    logger.info(`fill in (each fails with "not implemented yet" until then), and make its test pass:\n${created.map((f) => `  ${f}`).join('\n')}`);
  }
  if (!o.skipFormat) await formatFiles(tree);
}

export default (tree: Tree, options: PlatformGeneratorOptions) => platformGenerator(tree, options);
