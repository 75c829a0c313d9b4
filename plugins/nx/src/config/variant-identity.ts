import type { ResolvedModel, ResolvedVariant } from './load-model-config';

/** What a variant is, by name and in words: the image's labels (compose) and the report both carry it. */
export function variantIdentity(model: ResolvedModel, v: ResolvedVariant) {
  return {
    variant: v.project,
    model: model.name,
    platform: v.platform.name,
    title: v.platform.title,
    hardware: v.platform.hardware,
    arch: v.platform.arch,
    runtime: v.runtime,
    precision: v.precision,
    batchSize: v.batchSize,
  };
}
