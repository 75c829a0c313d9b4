import { mkdirSync, readdirSync, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import type { KubernetesDescriptor, PlatformDescriptor } from '../platforms/platform-descriptor';
import type { ComposeOptions } from './compose-options';
import { resourcesFromArtifact, resourcesFromProfile, type ContainerResources, type MeasuredProfile } from './kubernetes-resources';
import { toYaml } from './yaml-writer';

/**
 * A variant's Kubernetes manifests: a Deployment and a Service, and the same server as a KServe
 * InferenceService (custom predictor, Open Inference Protocol). One renderer for every platform: where a
 * variant may run (node labels, device-plugin resources, tolerations, RuntimeClass) is data in the platform
 * descriptor's `kubernetes` field; the defaults below fill what a descriptor leaves out.
 */

/** the non-root user the image runs as (USER in server.Dockerfile.ejs) */
export const SERVER_UID = 10001;
/** how long a replica may take to load its model before liveness checks count, unless the descriptor says */
export const DEFAULT_STARTUP_SECONDS = 300;
/** the server drains in-flight requests for up to 20 s on SIGTERM (serve --drain-seconds) */
const TERMINATION_GRACE_SECONDS = 30;
const PROBE_PERIOD_SECONDS = 5;

/** Files under <compose output>/kubernetes/; the InferenceService sits in a folder of its own, so that
 * `kubectl apply -f kubernetes/` applies the Deployment and Service only. */
export const KUBERNETES_FILES = {
  deployment: 'deployment.yaml',
  service: 'service.yaml',
  inferenceService: 'kserve/inferenceservice.yaml',
} as const;

/** What the manifests say about a variant; compose.json keeps it (kubernetes.facts) for later re-rendering. */
export interface ManifestFacts {
  variant: string;
  model: string;
  platform: string;
  arch: 'amd64' | 'arm64';
  runtime: string;
  /** the server image tag */
  image: string;
  /** the image's labels (OCI annotations and the ai.tf2aif.* facts) as compose wrote them */
  labels: Record<string, string>;
  /** bytes of the deployed artifact folder the image carries */
  artifactBytes: number;
  /** the port the image's server listens on (tf2aif.json serving.port, in the image's variant.json) */
  port: number;
}

export interface KubernetesManifests {
  deployment: Record<string, unknown>;
  service: Record<string, unknown>;
  inferenceService: Record<string, unknown>;
  resources: ContainerResources;
}

export interface RenderOptions {
  /** measured by a benchmark: replaces the estimate from the artifact size */
  profile?: MeasuredProfile;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

/** Labels for selection: the app.kubernetes.io set plus every ai.tf2aif.* fact whose value is a valid label value. */
function objectLabels(f: ManifestFacts): Record<string, string> {
  const labels: Record<string, string> = {
    'app.kubernetes.io/name': f.model,
    'app.kubernetes.io/instance': f.variant,
    'app.kubernetes.io/component': 'inference-server',
    'app.kubernetes.io/part-of': 'tf2aif',
    'app.kubernetes.io/managed-by': 'tf2aif',
  };
  const version = f.labels['org.opencontainers.image.version'];
  if (version && LABEL_VALUE.test(version)) labels['app.kubernetes.io/version'] = version;
  for (const [key, value] of Object.entries(f.labels)) {
    if (key.startsWith('ai.tf2aif.') && LABEL_VALUE.test(value)) labels[key] = value;
  }
  return labels;
}

function selectorLabels(f: ManifestFacts): Record<string, string> {
  return { 'app.kubernetes.io/name': f.model, 'app.kubernetes.io/instance': f.variant };
}

/** Annotations: every image label (long or free-text facts cannot be labels), and where the resources come from. */
function objectAnnotations(f: ManifestFacts, resources: ContainerResources): Record<string, string> {
  return { ...f.labels, 'ai.tf2aif.resources': resources.basis };
}

const scrapeAnnotations = (port: number) => ({
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': String(port),
  'prometheus.io/path': '/metrics',
});

function probes(port: number | string, startupSeconds: number) {
  const get = (path: string) => ({ httpGet: { path, port } });
  return {
    // nothing listens while the model loads (TensorRT may build its engines then): until this passes,
    // liveness and readiness are not checked
    startupProbe: {
      ...get('/v2/health/live'),
      periodSeconds: PROBE_PERIOD_SECONDS,
      timeoutSeconds: 2,
      failureThreshold: Math.ceil(startupSeconds / PROBE_PERIOD_SECONDS),
    },
    readinessProbe: { ...get('/v2/health/ready'), periodSeconds: PROBE_PERIOD_SECONDS, timeoutSeconds: 2, failureThreshold: 3 },
    livenessProbe: { ...get('/v2/health/live'), periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
  };
}

/** Non-root as the image is built (USER 10001); no privilege escalation unless the platform needs a privileged container. */
function containerSecurity(k: KubernetesDescriptor) {
  const base = { runAsNonRoot: true, runAsUser: SERVER_UID, readOnlyRootFilesystem: true };
  return k.privileged ? { ...base, privileged: true } : { ...base, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}

const podSecurity = { runAsNonRoot: true, runAsUser: SERVER_UID, seccompProfile: { type: 'RuntimeDefault' } };

/** Everything but the container that the Deployment's pod and the KServe predictor share. */
function podPlacement(f: ManifestFacts, k: KubernetesDescriptor) {
  return {
    runtimeClassName: k.runtimeClassName,
    nodeSelector: { 'kubernetes.io/arch': f.arch, ...k.nodeSelector },
    tolerations: k.tolerations && k.tolerations.length > 0 ? k.tolerations : undefined,
    securityContext: podSecurity,
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_SECONDS,
  };
}

function containerResources(r: ContainerResources, k: KubernetesDescriptor) {
  // extended resources are set as limits only: Kubernetes then requests the same count
  return { requests: { ...r.requests }, limits: { ...r.limits, ...k.resources } };
}

// the root filesystem is read-only; runtimes write caches (TensorRT engines, TensorFlow) under /tmp and $HOME
const tmpVolume = { name: 'tmp', emptyDir: {} };
const tmpMount = { name: 'tmp', mountPath: '/tmp' };
const homeEnv = { name: 'HOME', value: '/tmp' };

export function renderKubernetesManifests(f: ManifestFacts, descriptor: PlatformDescriptor, options: RenderOptions = {}): KubernetesManifests {
  if (!DNS_LABEL.test(f.variant) || f.variant.length > 63) {
    throw new Error(
      `variant name "${f.variant}" cannot name Kubernetes objects: ` +
        'it must be at most 63 lowercase letters, digits and dashes, starting with a letter',
    );
  }
  if (descriptor.name !== f.platform) throw new Error(`renderKubernetesManifests: descriptor "${descriptor.name}" given for a ${f.platform} variant`);
  const k: KubernetesDescriptor = descriptor.kubernetes ?? {};
  const resources = options.profile
    ? resourcesFromProfile(options.profile)
    : resourcesFromArtifact(f.artifactBytes, k.baselineMemoryMiB?.[f.runtime]);
  const labels = objectLabels(f);
  const annotations = objectAnnotations(f, resources);
  const metadata = { name: f.variant, labels, annotations };
  const startupSeconds = k.startupSeconds ?? DEFAULT_STARTUP_SECONDS;
  const devices = Object.keys(k.resources ?? {}).length > 0;
  const container = {
    image: f.image,
    imagePullPolicy: 'IfNotPresent',
    resources: containerResources(resources, k),
    securityContext: containerSecurity(k),
    volumeMounts: [tmpMount],
  };

  const deployment = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels(f) },
      // a node usually has one such device: a surge replica would wait for a second one, so replace in place
      strategy: devices ? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } : undefined,
      template: {
        metadata: { labels, annotations: { ...annotations, ...scrapeAnnotations(f.port) } },
        spec: {
          ...podPlacement(f, k),
          containers: [
            {
              name: 'server',
              ...container,
              ports: [{ name: 'http', containerPort: f.port, protocol: 'TCP' }],
              env: [homeEnv],
              ...probes('http', startupSeconds),
            },
          ],
          volumes: [tmpVolume],
        },
      },
    },
  };

  const service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata,
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(f),
      ports: [{ name: 'http', port: f.port, targetPort: 'http', protocol: 'TCP' }],
    },
  };

  const inferenceService = {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: f.variant,
      labels,
      // KServe's raw Deployment mode (its default from v0.20, "Standard" there): Knative's serverless mode
      // rejects nodeSelector, tolerations and runtimeClassName unless its podspec feature flags are enabled
      annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment', ...annotations },
    },
    spec: {
      predictor: {
        minReplicas: 1,
        // the pods KServe makes lack app.kubernetes.io/instance, so the Service above never selects them
        labels: Object.fromEntries(Object.entries(labels).filter(([key]) => key !== 'app.kubernetes.io/instance')),
        annotations: scrapeAnnotations(f.port),
        ...podPlacement(f, k),
        containers: [
          {
            // KServe's name for the predictor container; PROTOCOL=v2 is how a custom predictor declares the
            // Open Inference Protocol (KServe's protocolVersion field belongs to the built-in model specs)
            name: 'kserve-container',
            ...container,
            ports: [{ name: 'http1', containerPort: f.port, protocol: 'TCP' }],
            env: [{ name: 'PROTOCOL', value: 'v2' }, homeEnv],
            ...probes(f.port, startupSeconds),
          },
        ],
        volumes: [tmpVolume],
      },
    },
  };

  return { deployment, service, inferenceService, resources };
}

function header(f: ManifestFacts, what: string): string {
  return [`# ${f.variant}: ${what}`, `# Generated by tf2aif (@tf2aif/nx:compose) from the ${f.platform} platform descriptor; do not edit.`, ''].join(
    '\n',
  );
}

/** Writes the manifests under dir; returns the files written, relative to dir. */
export function writeKubernetesManifests(dir: string, f: ManifestFacts, m: KubernetesManifests): string[] {
  const files: [string, string, Record<string, unknown>][] = [
    [KUBERNETES_FILES.deployment, 'Deployment (kubectl apply -f on this folder applies it with the Service)', m.deployment],
    [KUBERNETES_FILES.service, "Service (the server's port, Open Inference Protocol)", m.service],
    [
      KUBERNETES_FILES.inferenceService,
      'KServe InferenceService, an alternative to the Deployment and Service (needs KServe installed)',
      m.inferenceService,
    ],
  ];
  for (const [file, what, doc] of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), header(f, what) + toYaml(doc));
  }
  return files.map(([file]) => file);
}

/** Total size of the files under a folder. */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(path);
    else if (entry.isFile()) total += statSync(path).size;
  }
  return total;
}

/**
 * compose's step: <compose output>/kubernetes/ for the variant, with resources estimated from the artifact
 * the server context carries. Returns what compose.json records, so that a later step (bench, report) can
 * render the manifests again with a measured profile: renderKubernetesManifests(facts, descriptor, { profile }).
 */
export function writeVariantManifests(o: ComposeOptions, descriptor: PlatformDescriptor, imageLabels: Record<string, string>, composeDir: string) {
  const facts: ManifestFacts = {
    variant: o.variant,
    model: o.model,
    platform: o.platform,
    arch: o.arch,
    runtime: o.runtime,
    image: o.imageTag,
    labels: imageLabels,
    artifactBytes: folderBytes(join(composeDir, 'server', 'variant', 'artifact')),
    port: o.serving.port,
  };
  const manifests = renderKubernetesManifests(facts, descriptor);
  const files = writeKubernetesManifests(join(composeDir, 'kubernetes'), facts, manifests);
  return { files: files.map((f) => `kubernetes/${f}`), resources: manifests.resources, facts };
}
