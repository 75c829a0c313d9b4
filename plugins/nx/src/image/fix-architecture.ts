import type Docker from 'dockerode';
import { createHash } from 'crypto';
import type { Readable } from 'stream';

interface TarHeader {
  name: string;
  type?: string;
  mode?: number;
  linkname?: string;
}

/** The events of tar-stream's extract stream listened to here: each entry hands its header, its content and a callback for the next. */
interface TarExtractEvents {
  on(event: 'entry', listener: (header: TarHeader, stream: Readable, next: () => void) => void): unknown;
  on(event: 'finish', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** The two functions of tar-stream (a dockerode dependency) used here; it ships no types. */
interface TarStream {
  extract(): TarExtractEvents & NodeJS.WritableStream;
  pack(): NodeJS.ReadableStream & { entry(header: TarHeader, content?: Buffer): void; finalize(): void };
}

/**
 * Docker's legacy builder records the engine's architecture on an image built under emulation (an arm64
 * image built on x86-64 says "amd64"), so an arm64 node would refuse it. This rewrites the image's config
 * with the right architecture: `docker save`, patch the config blob (new digest), `docker load`.
 */
export async function setImageArchitecture(docker: Docker, tag: string, arch: string): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tar = require('tar-stream') as TarStream;
  const saved = (await docker.getImage(tag).get()) as unknown as Readable;
  const files = new Map<string, { header: TarHeader; content: Buffer }>();
  await new Promise<void>((resolve, reject) => {
    const extract = tar.extract();
    extract.on('entry', (header: TarHeader, stream: Readable, next: () => void) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        // keep entry types: layer folders, symlinked layers, files
        files.set(header.name, {
          header: { name: header.name, type: header.type, mode: header.mode, linkname: header.linkname },
          content: Buffer.concat(chunks),
        });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    saved.pipe(extract);
  });
  const manifest = JSON.parse(files.get('manifest.json')!.content.toString());
  const configName: string = manifest[0].Config;
  const config = JSON.parse(files.get(configName)!.content.toString());
  config.architecture = arch;
  if (arch === 'arm64') config.variant = 'v8';
  const patched = Buffer.from(JSON.stringify(config));
  const digest = createHash('sha256').update(patched).digest('hex');
  files.delete(configName);
  files.set(`${digest}.json`, { header: { name: `${digest}.json`, type: 'file', mode: 0o644 }, content: patched });
  manifest[0].Config = `${digest}.json`;
  manifest[0].RepoTags = [tag];
  const manifestJson = Buffer.from(JSON.stringify(manifest));
  files.set('manifest.json', { header: { name: 'manifest.json', type: 'file', mode: 0o644 }, content: manifestJson });
  files.delete('repositories');

  const pack = tar.pack();
  for (const { header, content } of files.values()) {
    if (header.type === 'file' || header.type === undefined) pack.entry(header, content);
    else pack.entry(header);
  }
  pack.finalize();
  await new Promise<void>((resolve, reject) => {
    docker.loadImage(pack as unknown as NodeJS.ReadableStream, {}, (err, stream) => {
      if (err || !stream) return reject(err ?? new Error('docker load returned nothing'));
      docker.modem.followProgress(stream, (e) => (e ? reject(e) : resolve()));
    });
  });
  return `sha256:${digest}`;
}
