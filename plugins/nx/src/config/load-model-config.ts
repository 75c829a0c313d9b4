import { readFileSync } from 'fs';
import { basename, dirname, join } from 'path';
import type { Precision, RuntimeDescriptor } from '../platforms/platform-descriptor';
import type { PlatformRegistry, RegisteredPlatform } from '../platforms/platform-registry';
import { ConfigFileError, parseJsonFile, parseOrThrow } from '../utils/format-issues';
import { modelConfigSchema, type ModelConfig } from './model-config.schema';

export interface ResolvedVariant {
  /** the key in tf2aif.json `platforms`: the platform name, or a name of its own with `platform` set */
  key: string;
  /** Nx project name, `<model>-<key>` */
  project: string;
  platform: RegisteredPlatform;
  runtime: string;
  runtimeDescriptor: RuntimeDescriptor;
  precision: Precision;
  batchSize: number;
  /** Python quantizer module, or null when the converter's FP32 output is deployed */
  quantizer: string | null;
  /** quantizer I/O type, where it has a choice (TFLite full-integer) */
  ioType: 'uint8' | 'int8' | 'float32';
  /** the platform's fallback runtimes this variant may switch to, in order (descriptor `fallback`, tf2aif.json `fallback`) */
  fallbacks: FallbackRuntime[];
}

/** A runtime the convert step may fall back to: its modules, as the variant's own runtime has them. */
export interface FallbackRuntime {
  runtime: string;
  descriptor: RuntimeDescriptor;
  quantizer: string | null;
}

/** The descriptor's fallbacks that run the variant's precision the same way (quantized or not) as its runtime. */
function fallbacksOf(platform: RegisteredPlatform, rt: RuntimeDescriptor, precision: Precision, quantizer: string): FallbackRuntime[] {
  return rt.fallback.flatMap((name) => {
    const descriptor = platform.runtimes[name];
    const theirs = descriptor?.precisions[precision];
    if (!theirs || (theirs === 'none') !== (quantizer === 'none')) return [];
    return [{ runtime: name, descriptor, quantizer: theirs === 'none' ? null : theirs }];
  });
}

export interface ResolvedModel {
  name: string;
  /** workspace-relative folder holding tf2aif.json */
  dir: string;
  /** workspace-relative path of tf2aif.json */
  file: string;
  config: ModelConfig;
  variants: ResolvedVariant[];
}

function resolveVariant(model: string, key: string, options: ModelConfig['platforms'][string], registry: PlatformRegistry): ResolvedVariant | string {
  const field = `platforms.${key}`;
  if (!/^[a-z][a-z0-9-]*$/.test(key)) return `${field}: variant names are lowercase letters, digits and dashes`;
  const platformName = options.platform ?? key;
  const platform = registry.get(platformName);
  if (!platform) {
    const where = options.platform ? `${field}.platform` : field;
    return `${where}: unknown platform "${platformName}" (known: ${[...registry.keys()].join(', ')})`;
  }
  const runtime = options.runtime ?? platform.defaults.runtime;
  const runtimeDescriptor = platform.runtimes[runtime];
  if (!runtimeDescriptor) {
    return `${field}.runtime: "${runtime}" is not a runtime of ${platformName} (known: ${Object.keys(platform.runtimes).join(', ')})`;
  }
  // the platform's default precision where the runtime offers it, else the runtime's first (the descriptor's order)
  const offered = Object.keys(runtimeDescriptor.precisions) as Precision[];
  const precision = options.precision ?? (offered.includes(platform.defaults.precision) ? platform.defaults.precision : offered[0]);
  const quantizer = runtimeDescriptor.precisions[precision];
  if (!quantizer) {
    return (
      `${field}.precision: ${platformName} with runtime ${runtime} supports ` +
      `${Object.keys(runtimeDescriptor.precisions).join(', ')}, not "${precision}"`
    );
  }
  return {
    key,
    project: `${model}-${key}`,
    platform,
    runtime,
    runtimeDescriptor,
    precision,
    batchSize: options.batchSize ?? platform.defaults.batchSize,
    quantizer: quantizer === 'none' ? null : quantizer,
    ioType: options.ioType,
    fallbacks: options.fallback && !runtimeDescriptor.compiler ? fallbacksOf(platform, runtimeDescriptor, precision, quantizer) : [],
  };
}

/** Parses and checks one tf2aif.json; every error names the file and the field. */
export function resolveModelConfig(text: string, file: string, registry: PlatformRegistry): ResolvedModel {
  const config = parseOrThrow(modelConfigSchema, parseJsonFile(text, file), file);
  const dir = dirname(file);
  const name = config.name ?? basename(dir);
  const problems: string[] = [];
  if (!/^[a-z][a-z0-9-]*$/.test(name)) {
    problems.push(`name: the folder name "${name}" is not a valid model name; set "name" (lowercase letters, digits, dashes)`);
  }
  if (Object.keys(config.platforms).length === 0) problems.push('platforms: list at least one platform');
  const variants: ResolvedVariant[] = [];
  for (const [key, options] of Object.entries(config.platforms)) {
    const resolved = resolveVariant(name, key, options, registry);
    if (typeof resolved === 'string') problems.push(resolved);
    else variants.push(resolved);
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return { name, dir, file, config, variants };
}

export function loadModelConfig(workspaceRoot: string, file: string, registry: PlatformRegistry): ResolvedModel {
  return resolveModelConfig(readFileSync(join(workspaceRoot, file), 'utf8'), file, registry);
}
