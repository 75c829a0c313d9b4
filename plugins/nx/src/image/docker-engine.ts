import Docker from 'dockerode';

export class EngineUnavailableError extends Error {}

export function engineAddress(): string {
  return process.env.DOCKER_HOST || 'unix:///var/run/docker.sock';
}

/** A client for the engine DOCKER_HOST names (or the default socket), checked to answer before use. */
export async function connectEngine(timeoutMs = 5000): Promise<{ docker: Docker; info: { ID: string; Architecture: string } }> {
  const docker = new Docker({ timeout: 0 });
  const fail = (why: string) =>
    new EngineUnavailableError(
      `No Docker engine answers at ${engineAddress()} (${why}): ` +
        'start one (`bash tools/docker-engine.sh start` prints a DOCKER_HOST to export) or set DOCKER_HOST to a running engine.',
    );
  try {
    const info = await Promise.race([
      docker.info(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer in ${timeoutMs / 1000}s`)), timeoutMs)),
    ]);
    return { docker, info };
  } catch (e) {
    throw fail((e as Error).message.split('\n')[0]);
  }
}

/** The engine's architecture in image terms (its info says x86_64 / aarch64). */
export function engineArch(architecture: string): string {
  return ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[architecture] ?? architecture;
}
