import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { render } from 'ejs';
import { join } from 'path';
import { makeVariantConfig } from '../bench/make-variant-config';
import { copySources } from './copy-tree';
import type { ComposeOptions } from './compose-options';
import { ociLabels } from './oci-labels';

const templatesDir = join(__dirname, '..', '..', 'templates');
const platformsDir = join(__dirname, '..', '..', 'platforms');

/** A platform may bring its own template (platforms/<name>/<kind>.Dockerfile.ejs); else the shared one. */
export function templateFor(platform: string, kind: 'server' | 'client'): string {
  const own = join(platformsDir, platform, `${kind}.Dockerfile.ejs`);
  return existsSync(own) ? own : join(templatesDir, `${kind}.Dockerfile.ejs`);
}

export function requirementsLock(toolchainDir: string, set: string, arch: string): string {
  const lock = join(toolchainDir, 'serve-requirements', `${set}-${arch}.lock`);
  if (!existsSync(lock)) {
    throw new Error(`no pinned requirements for set "${set}" on ${arch} (${lock}); run bash tools/lock-serve-requirements.sh`);
  }
  return lock;
}

/** variant.json as the server reads it, with paths relative to the image's variant folder. */
async function variantJson(workspaceRoot: string, o: ComposeOptions): Promise<Record<string, unknown>> {
  const out = join(workspaceRoot, '.tf2aif', 'tmp', `${o.variant}.variant.json`);
  await makeVariantConfig(workspaceRoot, o.toolchainDir, o, o.mode, out, { artifact: 'artifact', processing: o.processing ? 'processing.py' : null });
  return JSON.parse(readFileSync(out, 'utf8'));
}

export interface ContextFacts {
  labels: Record<string, string>;
}

/** dist/variants/<v>/compose/server: everything `docker build` needs for the variant's server image. */
export async function writeServerContext(workspaceRoot: string, o: ComposeOptions, dir: string): Promise<ContextFacts> {
  const toolchainDir = join(workspaceRoot, o.toolchainDir);
  const model = JSON.parse(readFileSync(join(workspaceRoot, o.modelPath, 'model.json'), 'utf8'));
  const artifact = JSON.parse(readFileSync(join(workspaceRoot, o.artifactPath, 'artifact.json'), 'utf8'));
  mkdirSync(join(dir, 'variant'), { recursive: true });
  cpSync(join(workspaceRoot, o.artifactPath), join(dir, 'variant', 'artifact'), { recursive: true });
  writeFileSync(join(dir, 'variant', 'variant.json'), JSON.stringify(await variantJson(workspaceRoot, o), null, 2) + '\n');
  if (o.processing) copyFileSync(join(workspaceRoot, o.processing), join(dir, 'variant', 'processing.py'));
  copySources(join(toolchainDir, 'tf2aif_toolchain'), join(dir, 'app', 'tf2aif_toolchain'));
  copyFileSync(requirementsLock(toolchainDir, o.requirements, o.arch), join(dir, 'requirements.txt'));
  const labels = ociLabels({
    variant: o.variant,
    model: o.model,
    modelSha256: model.sha256,
    platform: o.platform,
    title: o.title,
    arch: o.arch,
    runtime: o.runtime,
    precision: o.precision,
    batchSize: o.batchSize,
    mode: o.mode,
    hardware: o.hardware,
    toolchain: artifact.toolchain ?? {},
  });
  const dockerfile = render(readFileSync(templateFor(o.platform, 'server'), 'utf8'), { ...o, labels, env: o.env });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, '.dockerignore'), '**/__pycache__\n**/*.pyc\n');
  return { labels };
}

/** dist/variants/<v>/compose/client: the load-generating client image, as TF2AIF ships one per variant. */
export function writeClientContext(workspaceRoot: string, o: ComposeOptions, dir: string, server: ContextFacts) {
  const toolchainDir = join(workspaceRoot, o.toolchainDir);
  mkdirSync(join(dir, 'app', 'tf2aif_toolchain'), { recursive: true });
  copyFileSync(join(toolchainDir, 'tf2aif_toolchain', '__init__.py'), join(dir, 'app', 'tf2aif_toolchain', '__init__.py'));
  copySources(join(toolchainDir, 'tf2aif_toolchain', 'client'), join(dir, 'app', 'tf2aif_toolchain', 'client'));
  // tritonclient[http] and numpy (serve-requirements/client.in)
  copyFileSync(requirementsLock(toolchainDir, 'client', o.arch), join(dir, 'requirements.txt'));
  copyFileSync(join(dir, '..', 'server', 'variant', 'variant.json'), join(dir, 'variant.json'));
  const labels = { ...server.labels, 'org.opencontainers.image.title': `${o.variant}-client` };
  writeFileSync(join(dir, 'Dockerfile'), render(readFileSync(templateFor(o.platform, 'client'), 'utf8'), { ...o, labels }));
}
