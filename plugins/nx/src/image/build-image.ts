import type Docker from 'dockerode';
import { readdirSync, statSync } from 'fs';
import { join, relative } from 'path';
import { setImageArchitecture } from './fix-architecture';

export class ImageBuildError extends Error {}

/** Every file of a build context, relative to it (dockerode tars exactly these). */
export function contextFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(relative(dir, path));
    }
  };
  walk(dir);
  return out.sort();
}

function fromImage(dockerfile: string): string {
  const match = /^FROM\s+(\S+)/m.exec(dockerfile);
  if (!match) throw new ImageBuildError('the Dockerfile has no FROM line');
  return match[1];
}

/** The base must be in the engine (or be pullable): say how to make one offline when it is neither. */
export async function ensureBaseImage(docker: Docker, image: string, arch: string, log: (line: string) => void) {
  try {
    const inspect = await docker.getImage(image).inspect();
    if (inspect.Architecture !== arch) {
      log(`note: base image ${image} is ${inspect.Architecture}, the variant targets ${arch}`);
    }
    return;
  } catch {
    // not present: try the registry
  }
  log(`pulling base image ${image} (linux/${arch})`);
  try {
    const stream = await docker.pull(image, { platform: `linux/${arch}` });
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
  } catch (e) {
    throw new ImageBuildError(
      `base image ${image} is not in the engine and cannot be pulled (${(e as Error).message.split('\n')[0]}). ` +
        `Without a registry, make one with \`bash tools/bootstrap-base-image.sh ${arch}\` and name it in nx.json ` +
        `(plugin option baseImages: {"${arch}": "tf2aif/base:bookworm-py311-${arch}"}).`,
    );
  }
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** docker build through the Engine API, with host networking (package mirrors are reachable, registries may not be). */
export async function buildImage(
  docker: Docker,
  contextDir: string,
  dockerfile: string,
  tag: string,
  arch: string,
  engineArch: string,
  log: (line: string) => void,
): Promise<string> {
  await ensureBaseImage(docker, fromImage(dockerfile), arch, log);
  // Under emulation the legacy builder must not be given the platform: it records the engine's arch on
  // every intermediate image and then refuses them as the wrong platform. The arch is set afterwards.
  const emulated = arch !== engineArch;
  if (emulated) log(`building linux/${arch} under emulation on a ${engineArch} engine (slow: every RUN step is emulated)`);
  const stream = await docker.buildImage(
    { context: contextDir, src: contextFiles(contextDir) },
    { t: tag, networkmode: 'host', rm: true, forcerm: true, pull: false, ...(emulated ? {} : { platform: `linux/${arch}` }) },
  );
  let imageId = '';
  const errors: string[] = [];
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(
      stream,
      (err) => (err ? reject(err) : resolve()),
      (event: BuildEvent) => {
        if (event.stream) for (const line of event.stream.split('\n')) if (line.trim()) log(line.trimEnd());
        if (event.aux?.ID) imageId = event.aux.ID;
        const error = event.error ?? event.errorDetail?.message;
        if (error) errors.push(error);
      },
    ),
  );
  if (errors.length > 0) {
    const message = errors.join('\n');
    if (/exec format error/i.test(message)) {
      throw new ImageBuildError(
        `the engine cannot run ${arch} programs while building ${tag}: register emulation on the engine's host ` +
          `(Debian: apt-get install qemu-user-static binfmt-support) or build on an ${arch} machine.`,
      );
    }
    throw new ImageBuildError(`building ${tag} failed: ${message}`);
  }
  const id = imageId || (await docker.getImage(tag).inspect()).Id;
  if (emulated && (await docker.getImage(tag).inspect()).Architecture !== arch) {
    log(`recording architecture ${arch} in ${tag} (the legacy builder wrote ${engineArch})`);
    return setImageArchitecture(docker, tag, arch);
  }
  return id;
}
