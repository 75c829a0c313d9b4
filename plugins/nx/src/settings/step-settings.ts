import type { ResolvedModel, ResolvedVariant } from '../config/load-model-config';
import { variantIdentity } from '../config/variant-identity';
import { modelOutputDir, sharedOutputDir, variantOutputDir } from './output-paths';
import { calibrationKey, modelCalibrations, modelExports, sharesCalibration, variantExports } from './shared-exports';
import type { PluginContext } from '../plugin/plugin-options';
import { artifactStep, deployedStep, variantSteps } from './variant-steps';
import { runsOnOf } from '../platforms/platform-descriptor';
import { drawSettings, toleranceFor } from './draw-settings';

/**
 * The one place a target's settings are decided: from tf2aif.json (already through its zod schema, which holds
 * every default), the platform descriptor and the plugin options. Pure, no Nx types. The graph carries only a
 * reference to them (settings-reference.ts); the executor calls this when it runs, and what a toolchain step
 * gets is checked against the step's job schema (job-schemas.ts) on both sides of the seam.
 */

/** The image's base: the plugin's baseImages (by variant, platform, then arch), else the descriptor's upstream default. */
export function baseImageFor(v: ResolvedVariant, baseImages: Record<string, string>): string {
  return baseImages[v.key] ?? baseImages[v.platform.name] ?? baseImages[v.platform.arch] ?? v.platform.image.base;
}

/** The model's pre/post-processing hooks, workspace-relative (compose, serve and bench run the same server). */
export function processingPath(model: ResolvedModel): string | undefined {
  return model.config.processing ? `${model.dir}/${model.config.processing}` : undefined;
}

/** What a variant's server is told (make-config writes it into variant.json): tf2aif.json's serving settings and
 * the value ranges of random request data (valueRanges, and each input's own range). */
export function servingSettings(model: ResolvedModel) {
  const inputRanges = Object.fromEntries(model.config.inputs.filter((i) => i.range).map((i) => [i.name, i.range!]));
  return { serving: model.config.serving, valueRanges: model.config.valueRanges, inputRanges };
}

export function imageTags(model: ResolvedModel, v: ResolvedVariant) {
  const repo = model.config.image.repository;
  return { imageTag: `${repo}/${model.name}:${v.key}`, clientTag: `${repo}/${model.name}-client:${v.key}` };
}

/** The model's calibration settings with its loader and dataset made workspace-relative. */
export function calibrationSettings(model: ResolvedModel) {
  const c = model.config.calibration;
  return {
    ...c,
    loader: c.loader ? `${model.dir}/${c.loader}` : undefined,
    dataset: c.dataset ? `${model.dir}/${c.dataset}` : undefined,
  };
}

export function buildModelSettings(model: ResolvedModel) {
  return {
    model: model.name,
    modelDir: model.dir,
    source: model.config.source,
    inputs: model.config.inputs,
    outputPath: modelOutputDir(model.name),
  };
}

/** One of the model's exports (shared-exports.ts): a converter's output at one batch size. */
export function exportSettings(model: ResolvedModel, key: string) {
  const e = modelExports(model).find((x) => x.key === key);
  if (!e) throw new Error(`${model.file}: no variant of ${model.name} starts from export ${key} any more; the project graph is stale (nx reset)`);
  return {
    model: model.name,
    converter: e.converter,
    batchSize: e.batchSize,
    inputs: model.config.inputs,
    modelPath: modelOutputDir(model.name),
    ...(e.onlyIfRefused ? { onlyIfRefused: e.onlyIfRefused.map((k) => sharedOutputDir(model.name, k)) } : {}),
    outputPath: sharedOutputDir(model.name, e.key),
  };
}

/** A quantizer's calibration shared by the model's variants (shared-exports.ts), on the exports they start from. */
export function calibrateSettings(model: ResolvedModel, quantizer: string) {
  const c = modelCalibrations(model).find((x) => x.quantizer === quantizer);
  if (!c) throw new Error(`${model.file}: no variant of ${model.name} quantizes with ${quantizer} any more; the project graph is stale (nx reset)`);
  return {
    model: model.name,
    quantizer,
    inputs: model.config.inputs,
    calibration: calibrationSettings(model),
    exports: c.exports.map((e) => ({ batchSize: e.batchSize, path: sharedOutputDir(model.name, e.key) })),
    ...drawSettings(model),
    modelPath: modelOutputDir(model.name),
    outputPath: sharedOutputDir(model.name, calibrationKey(quantizer)),
  };
}

/** The original's outputs on verify's samples, once for every variant (the model's reference step). */
export function referenceSettings(model: ResolvedModel) {
  return {
    model: model.name,
    inputs: model.config.inputs,
    calibration: calibrationSettings(model),
    verify: model.config.verify,
    ...drawSettings(model),
    modelPath: modelOutputDir(model.name),
    outputPath: referenceOutputDir(model.name),
  };
}

const referenceOutputDir = (model: string) => sharedOutputDir(model, 'reference');

/** What every step of a variant knows about it. */
function variantBase(model: ResolvedModel, v: ResolvedVariant) {
  return {
    model: model.name,
    variant: v.project,
    platform: v.platform.name,
    arch: v.platform.arch,
    runtime: v.runtime,
    precision: v.precision,
    batchSize: v.batchSize,
    task: model.config.task,
    trained: model.config.trained,
    inputs: model.config.inputs,
    modelPath: modelOutputDir(model.name),
    fallbacks: fallbackSettings(v),
  };
}

/** The fallback runtimes' modules, for the steps that act on whichever runtime the artifact was made for. */
export function fallbackSettings(v: ResolvedVariant) {
  return v.fallbacks.map((f) => ({
    runtime: f.runtime,
    converter: f.descriptor.converter,
    quantizer: f.quantizer,
    executor: f.descriptor.executor,
    serveExecutor: f.descriptor.serve.executor ?? f.descriptor.executor,
    requirements: f.descriptor.serve.requirements,
    floatLayers: f.descriptor.floatLayers ?? null,
  }));
}

/** The variant's quantize settings: tf2aif.json's quantize, under its platform entry's. */
export function quantizeSettings(model: ResolvedModel, v: ResolvedVariant) {
  return { ...model.config.quantize, ...model.config.platforms[v.key]?.quantize };
}

/** Every target of a variant with its settings: those of its steps (variant-steps.ts), no other. */
export function variantSettings(
  model: ResolvedModel,
  v: ResolvedVariant,
  ctx: Pick<PluginContext, 'baseImages'>,
): Record<string, Record<string, unknown>> {
  const base = variantBase(model, v);
  const rt = v.runtimeDescriptor;
  const dir = (step: string) => variantOutputDir(v.project, step);
  const steps = variantSteps(v);
  const artifact = artifactStep(v);
  const deployed = deployedStep(v);
  const processing = processingPath(model);
  const settings: Record<string, Record<string, unknown>> = {
    convert: {
      ...base,
      converter: rt.converter,
      exports: variantExports(v).map((e) => ({ runtime: e.runtime, converter: e.converter, path: sharedOutputDir(model.name, e.key) })),
      outputPath: dir('convert'),
    },
    verify: {
      ...base,
      executor: rt.executor,
      calibration: calibrationSettings(model),
      verify: model.config.verify,
      tolerance: toleranceFor(model, v.precision),
      ...drawSettings(model),
      artifactPath: dir(artifact),
      // the float model a quantized variant started from: verify profiles an INT8 failure layer by layer against it
      ...(artifact === 'quantize' ? { convertPath: dir('convert') } : {}),
      referencePath: referenceOutputDir(model.name),
      outputPath: dir('verify'),
    },
    compose: {
      ...variantIdentity(model, v),
      executor: rt.serve.executor ?? rt.executor,
      ...servingSettings(model),
      processing,
      baseImage: baseImageFor(v, ctx.baseImages),
      env: v.platform.image.env,
      runArgs: v.platform.image.runArgs,
      requirements: rt.serve.requirements,
      ...imageTags(model, v),
      modelPath: modelOutputDir(model.name),
      artifactPath: dir(deployed),
      outputPath: dir('compose'),
    },
    image: {
      variant: v.project,
      arch: v.platform.arch,
      contextPath: dir('compose'),
      outputPath: dir('image'),
      ...imageTags(model, v),
      push: model.config.image.push,
    },
    serve: {
      variant: v.project,
      model: model.name,
      executor: rt.executor,
      artifactPath: dir(artifact),
      modelPath: modelOutputDir(model.name),
      ...servingSettings(model),
      processing,
    },
    bench: {
      variant: v.project,
      model: model.name,
      platform: v.platform.name,
      runsOn: runsOnOf(v.platform),
      baselineOf: v.platform.baselineOf,
      executor: rt.serve.executor ?? rt.executor,
      artifactPath: dir(deployed),
      processing,
      ...servingSettings(model),
      batchSize: v.batchSize,
      imageTag: imageTags(model, v).imageTag,
      runArgs: v.platform.image.runArgs,
      modelPath: modelOutputDir(model.name),
      outputPath: dir('bench'),
    },
  };
  if (steps.includes('quantize')) {
    settings.quantize = {
      ...base,
      quantizer: v.quantizer,
      executor: rt.executor,
      ioType: v.ioType,
      calibration: calibrationSettings(model),
      // the quantize step checks INT8 against the float model with verify's comparison (mixed precision)
      verify: model.config.verify,
      tolerance: toleranceFor(model, v.precision),
      ...drawSettings(model),
      mixedPrecision: quantizeSettings(model, v),
      floatLayers: rt.floatLayers ?? null,
      convertPath: dir('convert'),
      ...(sharesCalibration(v) ? { sharedCalibrationPath: sharedOutputDir(model.name, calibrationKey(v.quantizer!)) } : {}),
      outputPath: dir('quantize'),
    };
  }
  if (steps.includes('compile')) {
    settings.compile = { ...base, compiler: rt.compiler, artifactPath: dir(artifact), outputPath: dir('compile') };
  }
  return settings;
}
