import { spawnSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { afterAll, describe, expect, it } from 'vitest';
import { platformDescriptorSchema, type PlatformDescriptor } from '../platforms/platform-descriptor';
import { loadPlatformRegistry } from '../platforms/platform-registry';
import {
  KUBERNETES_FILES,
  renderKubernetesManifests,
  writeKubernetesManifests,
  type KubernetesManifests,
  type ManifestFacts,
} from './kubernetes-manifests';
import { resourcesFromArtifact, resourcesFromProfile } from './kubernetes-resources';
import { ensurePythonToolchain } from '../toolchain/python-toolchain';
import { minimalDescriptor } from '../../test-support/platform-fixtures';
import { ociLabels } from './oci-labels';
import { quoteString, toYaml } from './yaml-writer';

const workspaceRoot = join(__dirname, '..', '..', '..', '..');
const validator = join(__dirname, 'validate_kubernetes.py');
const kserveSchema = join(__dirname, '__fixtures__', 'kserve-v0.20.0-inferenceservice-v1beta1.schema.json');
const kubernetesVersions = ['1.30', '1.37'];
const registry = loadPlatformRegistry();
const MiB = 1024 * 1024;

function factsFor(d: PlatformDescriptor, artifactBytes = 40 * MiB): ManifestFacts {
  const variant = `resnet50-${d.name}`;
  return {
    variant,
    model: 'resnet50',
    platform: d.name,
    arch: d.arch,
    runtime: d.defaults.runtime,
    image: `tf2aif/resnet50:${d.name}`,
    labels: ociLabels({
      variant,
      model: 'resnet50',
      modelSha256: 'a'.repeat(64),
      platform: d.name,
      title: d.title,
      arch: d.arch,
      runtime: d.defaults.runtime,
      precision: d.defaults.precision,
      batchSize: d.defaults.batchSize,
      mode: 'LAT',
      hardware: d.hardware,
      toolchain: { tensorflow: '2.21.0' },
    }),
    artifactBytes,
    port: 8000,
  };
}

function render(name: string): KubernetesManifests {
  const d = registry.get(name);
  if (!d) throw new Error(`no platform ${name}`);
  return renderKubernetesManifests(factsFor(d), d);
}

// the pieces of each manifest the tests look at
/* eslint-disable @typescript-eslint/no-explicit-any */
const podSpec = (m: KubernetesManifests): any => (m.deployment as any).spec.template.spec;
const predictor = (m: KubernetesManifests): any => (m.inferenceService as any).spec.predictor;
const containerOf = (pod: any): any => pod.containers[0];
const deviceLimits = (c: any) => Object.fromEntries(Object.entries(c.resources.limits).filter(([k]) => k !== 'memory'));

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(m|Mi|Gi)?$/;

/** The placement rules per platform, as the README's table states them. */
const GPU_TOLERATION = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
const ORIN = { 'nvidia.com/gpu.family': 'ampere', 'nvidia.com/gpu.compute.major': '8', 'nvidia.com/gpu.compute.minor': '7' };
const placement: Record<
  string,
  { nodeSelector: Record<string, string>; devices: Record<string, number>; tolerations?: unknown[]; runtimeClassName?: string }
> = {
  cpu: { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, devices: {} },
  'cpu-tf': { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, devices: {} },
  arm: { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, devices: {} },
  'arm-tf': { nodeSelector: { 'kubernetes.io/arch': 'arm64' }, devices: {} },
  gpu: { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, devices: { 'nvidia.com/gpu': 1 }, tolerations: GPU_TOLERATION },
  'gpu-tf': { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, devices: { 'nvidia.com/gpu': 1 }, tolerations: GPU_TOLERATION },
  agx: {
    nodeSelector: { 'kubernetes.io/arch': 'arm64', ...ORIN },
    devices: { 'nvidia.com/gpu': 1 },
    tolerations: GPU_TOLERATION,
    runtimeClassName: 'nvidia',
  },
  'agx-tf': {
    nodeSelector: { 'kubernetes.io/arch': 'arm64', ...ORIN },
    devices: { 'nvidia.com/gpu': 1 },
    tolerations: GPU_TOLERATION,
    runtimeClassName: 'nvidia',
  },
  alveo: { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, devices: { 'amd.com/xilinx_u280_xdma_201920_3-1579649056': 1 } },
  versal: { nodeSelector: { 'kubernetes.io/arch': 'arm64', 'ai.tf2aif/board': 'vck190' }, devices: { 'smarter-devices/dri_renderD128': 1 } },
  zynq: { nodeSelector: { 'kubernetes.io/arch': 'arm64', 'ai.tf2aif/board': 'zcu104' }, devices: { 'smarter-devices/dri_renderD128': 1 } },
};

describe('Kubernetes manifests', () => {
  it('covers every platform of the placement table, and every built-in platform carries placement data', () => {
    for (const name of Object.keys(placement)) expect(registry.has(name), name).toBe(true);
    for (const d of registry.values()) {
      expect(d.kubernetes, `${d.name}: kubernetes`).toBeDefined();
      expect(d.kubernetes?.nodeSelector?.['kubernetes.io/arch'], `${d.name}: kubernetes.io/arch`).toBe(d.arch);
    }
    for (const name of Object.keys(placement)) {
      const d = registry.get(name)!;
      for (const runtime of Object.keys(d.runtimes)) {
        expect(d.kubernetes?.baselineMemoryMiB?.[runtime], `${name}: baselineMemoryMiB.${runtime}`).toBeGreaterThan(0);
      }
    }
  });

  it.each(Object.entries(placement))('places %s variants by the descriptor', (name, want) => {
    const m = render(name);
    for (const pod of [podSpec(m), predictor(m)]) {
      expect(pod.nodeSelector).toEqual(want.nodeSelector);
      expect(deviceLimits(containerOf(pod))).toEqual(want.devices);
      expect(pod.tolerations).toEqual(want.tolerations);
      expect(pod.runtimeClassName).toBe(want.runtimeClassName);
      // device counts are limits only: Kubernetes requests the same
      expect(Object.keys(containerOf(pod).resources.requests).sort()).toEqual(['cpu', 'memory']);
    }
    // one device per node is common: replace the replica in place instead of surging
    const strategy = (m.deployment as any).spec.strategy;
    if (Object.keys(want.devices).length > 0) expect(strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    else expect(strategy).toBeUndefined();
  });

  it.each([...registry.keys()])('%s: serves the Open Inference Protocol on 8000 as uid 10001, probed on /v2/health', (name) => {
    const m = render(name);
    const d = registry.get(name)!;
    const pod = podSpec(m);
    const server = containerOf(pod);
    expect(server.image).toBe(`tf2aif/resnet50:${name}`);
    expect(server.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(server.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 'http' });
    expect(server.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(server.startupProbe.httpGet).toEqual({ path: '/v2/health/live', port: 'http' });
    expect(server.startupProbe.periodSeconds * server.startupProbe.failureThreshold).toBeGreaterThanOrEqual(d.kubernetes?.startupSeconds ?? 300);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } });
    expect(server.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true });
    if (d.kubernetes?.privileged) {
      expect(server.securityContext.privileged).toBe(true);
    } else {
      expect(server.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
      expect(server.securityContext.privileged).toBeUndefined();
    }
    expect(server.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: {} }]);

    const service = m.service as any;
    expect(service.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(service.spec.selector).toEqual((m.deployment as any).spec.selector.matchLabels);
    expect(service.spec.selector).toEqual({ 'app.kubernetes.io/name': 'resnet50', 'app.kubernetes.io/instance': `resnet50-${name}` });
    expect((m.deployment as any).spec.template.metadata.labels).toMatchObject(service.spec.selector);

    // KServe: the custom predictor container, Open Inference Protocol (v2), raw Deployment mode, same placement and probes
    const isvc = m.inferenceService as any;
    expect(isvc.apiVersion).toBe('serving.kserve.io/v1beta1');
    expect(isvc.metadata.annotations['serving.kserve.io/deploymentMode']).toBe('RawDeployment');
    const kserve = containerOf(predictor(m));
    expect(kserve.name).toBe('kserve-container');
    expect(kserve.env).toContainEqual({ name: 'PROTOCOL', value: 'v2' });
    expect(kserve.ports).toEqual([{ name: 'http1', containerPort: 8000, protocol: 'TCP' }]);
    expect(kserve.readinessProbe.httpGet).toEqual({ path: '/v2/health/ready', port: 8000 });
    expect(kserve.livenessProbe.httpGet).toEqual({ path: '/v2/health/live', port: 8000 });
    expect(kserve.resources).toEqual(server.resources);
    expect(kserve.securityContext).toEqual(server.securityContext);
    expect(predictor(m).securityContext).toEqual(pod.securityContext);
    // the Service of the Deployment must not select KServe's pods
    expect(predictor(m).labels['app.kubernetes.io/instance']).toBeUndefined();
  });

  it.each([...registry.keys()])('%s: labels are valid label keys and values, and carry the ai.tf2aif facts', (name) => {
    const m = render(name);
    const facts = factsFor(registry.get(name)!);
    for (const doc of [m.deployment, m.service, m.inferenceService] as any[]) {
      expect(doc.metadata.name).toBe(`resnet50-${name}`);
      for (const [key, value] of Object.entries(doc.metadata.labels as Record<string, string>)) {
        expect(key, key).toMatch(LABEL_KEY);
        expect(value, `${key}=${value}`).toMatch(LABEL_VALUE);
      }
      expect(doc.metadata.labels).toMatchObject({
        'app.kubernetes.io/name': 'resnet50',
        'app.kubernetes.io/part-of': 'tf2aif',
        'ai.tf2aif.platform': name,
        'ai.tf2aif.runtime': facts.runtime,
        'ai.tf2aif.precision': registry.get(name)!.defaults.precision,
        'ai.tf2aif.arch': facts.arch,
      });
      // every image label, also those that cannot be label values (the model hash, the hardware in words)
      expect(doc.metadata.annotations).toMatchObject(facts.labels);
      for (const key of Object.keys(doc.metadata.annotations)) expect(key).toMatch(LABEL_KEY);
    }
    for (const c of [containerOf(podSpec(m)), containerOf(predictor(m))]) {
      for (const q of [c.resources.requests.cpu, c.resources.requests.memory, c.resources.limits.memory]) expect(q).toMatch(QUANTITY);
    }
  });

  it('estimates requests from the artifact size and the runtime baseline, and takes a measured profile instead', () => {
    // 3 x 40 MiB + 64 MiB (cpu/tflite baseline) = 184 MiB -> 192 Mi; limit twice that; one core
    const cpu = render('cpu');
    expect(containerOf(podSpec(cpu)).resources).toEqual({ requests: { cpu: '1', memory: '192Mi' }, limits: { memory: '384Mi' } });
    expect((cpu.deployment as any).metadata.annotations['ai.tf2aif.resources']).toMatch(
      /^estimate: 3 x artifact \(40\.0 MiB\) \+ runtime baseline \(64 MiB\)/,
    );
    // a runtime without a baseline in its descriptor gets 256 MiB
    expect(resourcesFromArtifact(0)).toEqual({ requests: { cpu: '1', memory: '256Mi' }, limits: { memory: '512Mi' }, basis: expect.any(String) });
    expect(resourcesFromProfile({ peakRssMiB: 300, cpuCores: 1.62 })).toMatchObject({
      requests: { cpu: '1700m', memory: '384Mi' },
      limits: { memory: '768Mi' },
    });
    expect(resourcesFromProfile({ peakRssMiB: 10, cpuCores: 0.01 }).requests).toEqual({ cpu: '100m', memory: '16Mi' });
    expect(() => resourcesFromProfile({ peakRssMiB: 0, cpuCores: 1 })).toThrow(/positive/);

    const d = registry.get('gpu')!;
    const measured = renderKubernetesManifests(factsFor(d), d, { profile: { peakRssMiB: 2000, cpuCores: 2 } });
    for (const c of [containerOf(podSpec(measured)), containerOf(predictor(measured))]) {
      expect(c.resources).toEqual({ requests: { cpu: '2', memory: '2512Mi' }, limits: { memory: '5024Mi', 'nvidia.com/gpu': 1 } });
    }
    expect((measured.deployment as any).metadata.annotations['ai.tf2aif.resources']).toMatch(/^measured: /);
  });

  it('refuses names Kubernetes cannot take and descriptors that contradict themselves', () => {
    const d = registry.get('cpu')!;
    expect(() => renderKubernetesManifests({ ...factsFor(d), variant: `m-${'x'.repeat(70)}` }, d)).toThrow(/at most 63/);
    expect(() => renderKubernetesManifests(factsFor(d), registry.get('arm')!)).toThrow(/descriptor "arm" given for a cpu variant/);
    const issues = (kubernetes: unknown) =>
      platformDescriptorSchema.safeParse({ ...minimalDescriptor, kubernetes }).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`) ?? [];
    expect(issues({ nodeSelector: { 'kubernetes.io/arch': 'arm64' } })).toEqual([
      'kubernetes.nodeSelector.kubernetes.io/arch: "arm64" contradicts arch "amd64"',
    ]);
    expect(issues({ baselineMemoryMiB: { onnxruntime: 64 } })).toEqual([
      'kubernetes.baselineMemoryMiB.onnxruntime: "onnxruntime" is not one of runtimes: tflite',
    ]);
    expect(issues({ resources: { gpu: 1 } })).toEqual(['kubernetes.resources.gpu: Invalid key in record']);
    expect(issues({ nodeSelector: { 'bad key!': 'x' } })).toEqual(['kubernetes.nodeSelector.bad key!: Invalid key in record']);
    expect(issues({ nodeSelector: { 'kubernetes.io/hostname': 'not a value' } })[0]).toMatch(/label value/);
    expect(issues({})).toEqual([]);
    expect(platformDescriptorSchema.safeParse(minimalDescriptor).success).toBe(true);
  });

  it('a privileged platform gets a privileged container and no allowPrivilegeEscalation: false (Kubernetes rejects the pair)', () => {
    const d = { ...registry.get('zynq')!, kubernetes: { ...registry.get('zynq')!.kubernetes, privileged: true } };
    const c = containerOf(podSpec(renderKubernetesManifests(factsFor(d), d)));
    expect(c.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 10001, readOnlyRootFilesystem: true, privileged: true });
  });
});

describe('YAML writer', () => {
  it('quotes every string a YAML reader could take for something else', () => {
    for (const s of [
      'true',
      'False',
      'yes',
      'NO',
      'on',
      'y',
      'n',
      'null',
      '~',
      '',
      '8000',
      '1.30',
      '0x10',
      '1e3',
      '.5',
      '-1',
      'a: b',
      'a #b',
      "it's",
      '"q"',
      'x\ny',
      ' lead',
      'trail ',
      '*ref',
      '&a',
      '!tag',
      '[a]',
      '{a}',
      '@x',
      '`x',
      '%x',
      '|',
      '>',
      '-',
      '? x',
      'tf2aif/digits:cpu',
      'NaN',
      'inf',
    ]) {
      expect(quoteString(s), s).toBe(JSON.stringify(s));
    }
    for (const s of [
      'Deployment',
      'apps/v1',
      '/v2/health/ready',
      'app.kubernetes.io/name',
      'kserve-container',
      'amd.com/xilinx_u280_xdma_201920_3-1579649056',
      'IfNotPresent',
    ]) {
      expect(quoteString(s), s).toBe(s);
    }
  });

  it('writes block-style YAML, leaving undefined members out', () => {
    expect(toYaml({ a: 1, b: 'x', c: undefined, d: [], e: {}, f: [{ g: true, h: [1, 'two'] }, 'z'], i: { j: null } })).toBe(
      ['a: 1', 'b: x', 'd: []', 'e: {}', 'f:', '  - g: true', '    h:', '      - 1', '      - two', '  - z', 'i:', '  j: null', ''].join('\n'),
    );
    expect(() => toYaml({ a: Number.NaN })).toThrow(/finite/);
  });
});

describe('offline validation (kubernetes-validate, KServe CRD schema)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tf2aif-k8s-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function validate(files: string[]) {
    const toolchain = ensurePythonToolchain(workspaceRoot); // says how to install it when missing
    const run = spawnSync(
      toolchain.python,
      [validator, ...kubernetesVersions.flatMap((v) => ['--kubernetes-version', v]), '--kserve-schema', kserveSchema, '--documents', ...files],
      {
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    if (run.error) throw run.error;
    const lines = run.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    return { status: run.status, stderr: run.stderr, lines };
  }

  function writeAll(): { files: string[]; rendered: Map<string, unknown> } {
    const files: string[] = [];
    const rendered = new Map<string, unknown>();
    for (const d of registry.values()) {
      const facts = factsFor(d);
      // free text the YAML writer must quote so that it reads back the same
      facts.labels['ai.tf2aif.note'] = 'a: "b" #c\n\ttab, \\ back, µs, \u2028LS \u0085NEL \u009fC1 \ufeffBOM, 😀 yes';
      const m = renderKubernetesManifests(facts, d);
      const out = join(dir, d.name);
      for (const file of writeKubernetesManifests(out, facts, m)) files.push(join(out, file));
      rendered.set(join(out, KUBERNETES_FILES.deployment), m.deployment);
      rendered.set(join(out, KUBERNETES_FILES.service), m.service);
      rendered.set(join(out, KUBERNETES_FILES.inferenceService), m.inferenceService);
    }
    return { files, rendered };
  }

  it('every manifest of every built-in platform is valid, and reads back as written', () => {
    const { files, rendered } = writeAll();
    const { status, stderr, lines } = validate(files);
    const invalid = lines.filter((l) => !l.valid).map((l) => `${l.file}: ${l.errors.join('; ')}`);
    expect(invalid, stderr).toEqual([]);
    expect(status, stderr).toBe(0);
    expect(lines).toHaveLength(3 * registry.size);
    expect(new Set(lines.map((l) => l.kind))).toEqual(new Set(['Deployment', 'Service', 'InferenceService']));
    for (const l of lines) {
      expect(l.kubernetesVersions).toEqual(kubernetesVersions);
      // the YAML writer's output parses (PyYAML) to exactly the object that was rendered
      expect(l.document, l.file).toEqual(JSON.parse(JSON.stringify(rendered.get(l.file))));
    }
  });

  it('fails on a broken manifest: unknown fields, wrong types, a missing required field', () => {
    const facts = factsFor(registry.get('gpu')!);
    const m = renderKubernetesManifests(facts, registry.get('gpu')!);
    const out = join(dir, 'broken');
    writeKubernetesManifests(out, facts, m);
    const broken = (file: string, edit: (doc: any) => void) => {
      const doc = JSON.parse(
        JSON.stringify(file === KUBERNETES_FILES.deployment ? m.deployment : file === KUBERNETES_FILES.service ? m.service : m.inferenceService),
      );
      edit(doc);
      writeFileSync(join(out, file), toYaml(doc));
    };
    // kubernetes-validate reports the first error of a document: one break per built-in kind
    broken(KUBERNETES_FILES.deployment, (doc) => (doc.spec.template.spec.nodeSelectr = { 'kubernetes.io/arch': 'amd64' }));
    broken(KUBERNETES_FILES.service, (doc) => delete doc.spec.ports[0].port);
    broken(KUBERNETES_FILES.inferenceService, (doc) => {
      doc.spec.predictor.containers[0].readinessProbe.httpGet.paht = '/v2/health/ready';
      doc.spec.predictor.containers[0].ports[0].containerPort = 'eight thousand';
      doc.metadata.labels = 'not a map';
    });
    const { status, lines } = validate(Object.values(KUBERNETES_FILES).map((f) => join(out, f)));
    expect(status).toBe(1);
    const errors = Object.fromEntries(lines.map((l) => [l.kind, l.errors.join('\n')]));
    expect(lines.every((l) => !l.valid)).toBe(true);
    expect(errors.Deployment).toMatch(/spec\.template\.spec \(1\.30\): Additional properties are not allowed \('nodeSelectr' was unexpected\)/);
    expect(errors.Service).toMatch(/'port' is a required property/);
    expect(errors.InferenceService).toMatch(/readinessProbe\.httpGet: Additional properties are not allowed \('paht' was unexpected\)/);
    expect(errors.InferenceService).toMatch(/containerPort: 'eight thousand' is not of type 'integer'/);
    expect(errors.InferenceService).toMatch(/metadata.*labels.*'not a map' is not of type 'object'/);
  });

  it('the KServe schema fixture names its source', () => {
    const fixture = JSON.parse(readFileSync(kserveSchema, 'utf8'));
    expect(fixture.source).toMatchObject({
      repository: 'https://github.com/kserve/kserve',
      tag: 'v0.20.0',
      path: 'config/crd/full/serving.kserve.io_inferenceservices.yaml',
    });
    expect(fixture.openAPIV3Schema.properties.spec.properties.predictor.properties.containers).toBeDefined();
  });
});
