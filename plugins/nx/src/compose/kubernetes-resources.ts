/**
 * CPU and memory a variant's server container asks of a node.
 *
 * compose runs before bench, so the manifests compose writes carry estimates from the artifact alone; a
 * benchmark that measured the running server regenerates them with `resourcesFromProfile` (see
 * renderKubernetesManifests' `profile` option). compose never reads bench output: it is not one of compose's
 * inputs, and reading it would make a cached compose result depend on something Nx does not hash.
 *
 * The rule, from the artifact (`resourcesFromArtifact`):
 *   memory request = ARTIFACT_MEMORY_FACTOR x artifact size + the runtime's baseline, rounded up to 16 MiB
 *     - artifact size: every file of the deployed artifact folder (what the image carries in variant/artifact)
 *     - baseline: the platform descriptor's kubernetes.baselineMemoryMiB[runtime], the resident memory of
 *       the serving process with its runtime imported and no model loaded; DEFAULT_BASELINE_MIB if none
 *     - factor 3: measured on x86 (2 cores, batch 1, LAT), a loaded server grew by 1.7x (TensorFlow
 *       SavedModel) to 2.0x (ONNX Runtime) to 2.4x (TFLite INT8) the artifact size over its baseline
 *       (ResNet50 and the digits CNN); 3 leaves room for activations and THR-mode batches
 *   cpu request = 1 core: LAT mode runs one request at a time on the runtime's threads
 * and from a measured profile (`resourcesFromProfile`):
 *   memory request = PROFILE_MEMORY_HEADROOM x peak RSS, rounded up to 16 MiB
 *   cpu request    = the cores used under the measured load, rounded up to 100m (at least 100m)
 * In both cases:
 *   memory limit = MEMORY_LIMIT_FACTOR x the request: a replica that outgrows its estimate twice over is
 *     restarted rather than left to starve its node; no CPU limit, since CFS throttling adds latency and
 *     the request already reserves the cores.
 * Device resources (GPUs, FPGAs) come from the platform descriptor, not from here.
 */

export const ARTIFACT_MEMORY_FACTOR = 3;
export const DEFAULT_BASELINE_MIB = 256;
export const DEFAULT_CPU_CORES = 1;
export const PROFILE_MEMORY_HEADROOM = 1.25;
export const MEMORY_LIMIT_FACTOR = 2;
const MEMORY_STEP_MIB = 16;
const CPU_STEP_MILLICORES = 100;
const MIB = 1024 * 1024;

/** What a benchmark measured of one serving replica. */
export interface MeasuredProfile {
  /** peak resident set size of the server process, in MiB (2^20 bytes) */
  peakRssMiB: number;
  /** CPU cores the server kept busy at the measured load (CPU seconds per wall-clock second), e.g. 1.6 */
  cpuCores: number;
}

export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { memory: string };
  /** where the numbers come from, written into the manifests as an annotation */
  basis: string;
}

function memoryQuantity(mib: number): string {
  return `${Math.ceil(mib / MEMORY_STEP_MIB) * MEMORY_STEP_MIB}Mi`;
}

/** MiB of a memory quantity as these rules write it ("272Mi"). */
export function mebibytes(quantity: string): number {
  return Number(quantity.replace(/Mi$/, ''));
}

function cpuQuantity(cores: number): string {
  const milli = Math.max(CPU_STEP_MILLICORES, Math.ceil((cores * 1000) / CPU_STEP_MILLICORES) * CPU_STEP_MILLICORES);
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

function withLimit(requests: { cpu: string; memory: string }, basis: string): ContainerResources {
  return { requests, limits: { memory: `${mebibytes(requests.memory) * MEMORY_LIMIT_FACTOR}Mi` }, basis };
}

/** The estimate compose writes: from the deployed artifact's size and the runtime's baseline memory. */
export function resourcesFromArtifact(artifactBytes: number, baselineMiB: number = DEFAULT_BASELINE_MIB): ContainerResources {
  if (!(artifactBytes >= 0) || !(baselineMiB > 0))
    throw new Error(`resourcesFromArtifact: bad sizes (artifact ${artifactBytes} bytes, baseline ${baselineMiB} MiB)`);
  const memory = memoryQuantity(ARTIFACT_MEMORY_FACTOR * (artifactBytes / MIB) + baselineMiB);
  return withLimit(
    { cpu: cpuQuantity(DEFAULT_CPU_CORES), memory },
    `estimate: ${ARTIFACT_MEMORY_FACTOR} x artifact (${(artifactBytes / MIB).toFixed(1)} MiB) + runtime baseline (${baselineMiB} MiB), 1 CPU`,
  );
}

/** Requests and limits from a measured profile; the benchmark / report code regenerates manifests with these. */
export function resourcesFromProfile(profile: MeasuredProfile): ContainerResources {
  const { peakRssMiB, cpuCores } = profile;
  if (!(peakRssMiB > 0) || !(cpuCores > 0))
    throw new Error(`resourcesFromProfile: peakRssMiB and cpuCores must be positive (got ${peakRssMiB}, ${cpuCores})`);
  return withLimit(
    { cpu: cpuQuantity(cpuCores), memory: memoryQuantity(PROFILE_MEMORY_HEADROOM * peakRssMiB) },
    `measured: ${PROFILE_MEMORY_HEADROOM} x peak RSS (${peakRssMiB} MiB), ${cpuCores} CPU cores used`,
  );
}
