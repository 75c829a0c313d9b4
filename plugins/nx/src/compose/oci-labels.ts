/** What an image says about itself: OCI annotations plus tf2aif's own, so a scheduler can read a variant's profile. */
export interface LabelFacts {
  variant: string;
  model: string;
  modelSha256: string;
  platform: string;
  title: string;
  arch: string;
  runtime: string;
  precision: string;
  batchSize: number;
  mode: string;
  hardware: string;
  toolchain: Record<string, string>;
}

export function ociLabels(f: LabelFacts): Record<string, string> {
  const description = `${f.model} on ${f.title}: ${f.runtime} ${f.precision.toUpperCase()}, batch ${f.batchSize}, ${f.mode} mode`;
  return {
    'org.opencontainers.image.title': f.variant,
    'org.opencontainers.image.description': description,
    'org.opencontainers.image.version': f.modelSha256.slice(0, 12),
    'org.opencontainers.image.vendor': 'tf2aif',
    'ai.tf2aif.model': f.model,
    'ai.tf2aif.model.sha256': f.modelSha256,
    'ai.tf2aif.platform': f.platform,
    'ai.tf2aif.arch': f.arch,
    'ai.tf2aif.runtime': f.runtime,
    'ai.tf2aif.precision': f.precision,
    'ai.tf2aif.batch-size': String(f.batchSize),
    'ai.tf2aif.mode': f.mode,
    'ai.tf2aif.hardware': f.hardware,
    'ai.tf2aif.toolchain': Object.entries(f.toolchain)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  };
}
