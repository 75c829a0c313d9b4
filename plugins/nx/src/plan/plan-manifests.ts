import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import { renderKubernetesManifests, type ManifestFacts } from '../compose/kubernetes-manifests';
import { toYaml } from '../compose/yaml-writer';
import type { PlatformDescriptor } from '../platforms/platform-descriptor';
import type { PlannedModel } from './explain';
import { poolNodeSelector, type Pool } from './fleet';
import { RESOURCE_KEYS, type Resources } from './options';

/** The CPU utilisation the autoscaler keeps replicas at: the plan's replicas already carry the target rate. */
export const HPA_CPU_UTILIZATION = 70;

interface PodSpec {
  nodeSelector?: Record<string, string>;
}
interface DeploymentDoc {
  metadata: { name: string; labels: Record<string, string>; annotations: Record<string, string> };
  spec: { replicas: number; template: { spec: PodSpec } };
}

/** How many replicas of `perReplica` fit on the pool's nodes beside what the rest of the plan put there. */
export function replicasThatFit(pool: Pool, perReplica: Resources, othersOnPool: Resources): number {
  const fit = RESOURCE_KEYS.filter((r) => perReplica[r] > 0).map((r) =>
    Math.floor((pool.nodes * pool.capacity[r] - othersOnPool[r]) / perReplica[r] + 1e-9),
  );
  return Math.max(0, Math.min(...fit));
}

/** The planned variant's Deployment (replicas, the pool's nodes), its Service, and a HorizontalPodAutoscaler. */
export function planManifests(p: PlannedModel, facts: ManifestFacts, descriptor: PlatformDescriptor, pool: Pool, maxReplicas: number) {
  const rendered = renderKubernetesManifests(facts, descriptor);
  const deployment = structuredClone(rendered.deployment) as unknown as DeploymentDoc;
  deployment.spec.replicas = p.replicas;
  deployment.spec.template.spec.nodeSelector = { ...deployment.spec.template.spec.nodeSelector, ...poolNodeSelector(pool) };
  deployment.metadata.annotations = {
    ...deployment.metadata.annotations,
    'ai.tf2aif.plan/pool': pool.name,
    'ai.tf2aif.plan/why': p.why,
    'ai.tf2aif.plan/expected-p99-ms': String(p.expectedP99Ms),
  };
  const hpa = {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: facts.variant, labels: deployment.metadata.labels },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: facts.variant },
      // never below the plan (it meets the rate at the p99 target); up to what the pool has room for
      minReplicas: p.replicas,
      maxReplicas: Math.max(p.replicas, maxReplicas),
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: HPA_CPU_UTILIZATION } } }],
    },
  };
  return { deployment, service: rendered.service, hpa };
}

/** Writes kubernetes/<variant>/{deployment,service,hpa}.yaml under dir; returns the files, relative to dir. */
export function writePlanManifests(dir: string, variant: string, docs: ReturnType<typeof planManifests>): string[] {
  const folder = join('kubernetes', variant);
  mkdirSync(join(dir, folder), { recursive: true });
  const files: Array<[string, unknown]> = [
    ['deployment.yaml', docs.deployment],
    ['service.yaml', docs.service],
    ['hpa.yaml', docs.hpa],
  ];
  for (const [file, doc] of files) {
    writeFileSync(join(dir, folder, file), `# ${variant}: placed by nx run tf2aif:plan (dist/plan/plan.json); do not edit.\n${toYaml(doc)}`);
  }
  return files.map(([file]) => join(folder, file));
}
