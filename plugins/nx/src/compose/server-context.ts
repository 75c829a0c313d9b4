import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { makeVariantConfig } from './make-variant-config';
import type { RegisteredPlatform } from '../platforms/platform-registry';
import { toolchainManifest } from '../toolchain/python-toolchain';
import { templatesDir, toolchainPackageDir } from '../plugin/plugin-package';
import { copySources } from './copy-tree';
import type { ComposeOptions } from './compose-options';
import { ociLabels } from './oci-labels';
import { renderTemplate } from './render-template';

/** What compose reads besides its options: the platform (where its own template may be) and the workspace's adapters. */
export interface ComposeContext {
  workspaceRoot: string;
  platform: RegisteredPlatform;
  /** the workspace's own toolchain modules and requirement sets (plugin option adaptersDir), absolute */
  adaptersDir: string;
}

/** Where a built image keeps the workspace's own toolchain modules (TF2AIF_ADAPTERS), when the workspace has any. */
const imageAdaptersDir = '/opt/tf2aif/adapters';

/** A platform may bring its own template (<platform folder>/<kind>.Dockerfile.ejs); else the package's shared one. */
export function templateFor(platform: RegisteredPlatform, kind: 'server' | 'client'): string {
  const own = join(platform.dir, `${kind}.Dockerfile.ejs`);
  return existsSync(own) ? own : join(templatesDir, `${kind}.Dockerfile.ejs`);
}

/** A requirement set's pinned lock: the workspace's own (adaptersDir/serve-requirements), else the package's. */
export function requirementsLock(adaptersDir: string, set: string, arch: string): string {
  const name = `${set}-${arch}.lock`;
  for (const dir of [join(adaptersDir, 'serve-requirements'), join(toolchainPackageDir, 'serve-requirements')]) {
    if (existsSync(join(dir, name))) return join(dir, name);
  }
  throw new Error(
    `no pinned requirements for set "${set}" on ${arch}: neither ${join(adaptersDir, 'serve-requirements', name)} nor the package's; ` +
      `write ${set}.in there and pin it with hashes (uv pip compile --generate-hashes ${set}.in -o ${name})`,
  );
}

/** The toolchain wheel shipped in this package, copied into a build context; its file name for the Dockerfile. */
function copyWheel(dir: string): string {
  const { wheel } = toolchainManifest();
  copyFileSync(join(toolchainPackageDir, wheel.file), join(dir, wheel.file));
  return wheel.file;
}

/** The workspace's own toolchain modules, when it has any, for a platform whose runtime is one of them. */
function copyAdapters(c: ComposeContext, dir: string): string | null {
  if (!existsSync(c.adaptersDir)) return null;
  copySources(c.adaptersDir, join(dir, 'adapters'));
  return imageAdaptersDir;
}

/** variant.json as the server reads it, with paths relative to the image's variant folder. */
async function variantJson(workspaceRoot: string, o: ComposeOptions): Promise<Record<string, unknown>> {
  const out = join(workspaceRoot, '.tf2aif', 'tmp', `${o.variant}.variant.json`);
  await makeVariantConfig(workspaceRoot, o, o.serving.mode, out, { artifact: 'artifact', processing: o.processing ? 'processing.py' : null });
  return JSON.parse(readFileSync(out, 'utf8'));
}

export interface ContextFacts {
  labels: Record<string, string>;
}

/** dist/variants/<v>/compose/server: everything `docker build` needs for the variant's server image. */
export async function writeServerContext(c: ComposeContext, o: ComposeOptions, dir: string): Promise<ContextFacts> {
  const { workspaceRoot } = c;
  const model = JSON.parse(readFileSync(join(workspaceRoot, o.modelPath, 'model.json'), 'utf8'));
  const artifact = JSON.parse(readFileSync(join(workspaceRoot, o.artifactPath, 'artifact.json'), 'utf8'));
  mkdirSync(join(dir, 'variant'), { recursive: true });
  // dereferenced: an artifact links to its model's shared export (artifact.py link_tree); the image needs the files
  cpSync(join(workspaceRoot, o.artifactPath), join(dir, 'variant', 'artifact'), { recursive: true, dereference: true });
  writeFileSync(join(dir, 'variant', 'variant.json'), JSON.stringify(await variantJson(workspaceRoot, o), null, 2) + '\n');
  if (o.processing) copyFileSync(join(workspaceRoot, o.processing), join(dir, 'variant', 'processing.py'));
  const wheel = copyWheel(dir);
  const adapters = copyAdapters(c, dir);
  copyFileSync(requirementsLock(c.adaptersDir, o.requirements, o.arch), join(dir, 'requirements.txt'));
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
    mode: o.serving.mode,
    hardware: o.hardware,
    toolchain: artifact.toolchain ?? {},
  });
  const env = { ...o.env, ...(adapters ? { TF2AIF_ADAPTERS: adapters } : {}) };
  const dockerfile = renderTemplate(templateFor(c.platform, 'server'), { ...o, labels, env, wheel, adapters });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  writeFileSync(join(dir, '.dockerignore'), '**/__pycache__\n**/*.pyc\n');
  return { labels };
}

/** dist/variants/<v>/compose/client: the load-generating client image, as TF2AIF ships one per variant. */
export function writeClientContext(c: ComposeContext, o: ComposeOptions, dir: string, server: ContextFacts) {
  mkdirSync(dir, { recursive: true });
  const wheel = copyWheel(dir);
  // tritonclient[http] and numpy (serve-requirements/client.in)
  copyFileSync(requirementsLock(c.adaptersDir, 'client', o.arch), join(dir, 'requirements.txt'));
  copyFileSync(join(dir, '..', 'server', 'variant', 'variant.json'), join(dir, 'variant.json'));
  const labels = { ...server.labels, 'org.opencontainers.image.title': `${o.variant}-client` };
  writeFileSync(join(dir, 'Dockerfile'), renderTemplate(templateFor(c.platform, 'client'), { ...o, labels, wheel }));
}
