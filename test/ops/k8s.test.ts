import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@flowline/config';
import { defineTopology, stageQueuesOf, type StageQueues } from '@flowline/messaging';
import { FlowlineMetrics } from '@flowline/observability';
import { ROOT } from '../support/harness.ts';
import { CONFIG_KEYS, PORT_VARIABLE, parseYamlDocuments, readRepoFile, roleOf, yamlFilesUnder, type Manifest, type Role } from './ops-files.ts';
import { statusesServed } from './probe-paths.ts';

/*
 * Every manifest under k8s/ parsed as data and checked against the code: kinds and apiVersions,
 * probes on paths and ports the roles really serve, env names in ConfigSchema, grace periods
 * that cover SHUTDOWN_GRACE_MS, ScaledObjects on the queues topology.ts declares; then each
 * overlay rendered with `kubectl kustomize` when kubectl is installed.
 */
const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  Deployment: 'apps/v1',
  ExternalSecret: 'external-secrets.io/v1beta1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  ScaledObject: 'keda.sh/v1alpha1',
  TriggerAuthentication: 'keda.sh/v1alpha1',
  PodMonitor: 'monitoring.coreos.com/v1',
  PrometheusRule: 'monitoring.coreos.com/v1',
};
const KUSTOMIZE_KINDS: Record<string, string> = {
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
  Component: 'kustomize.config.k8s.io/v1alpha1',
};
const OVERLAYS = ['dev', 'prod', 'prod-hpa'];

const files = yamlFilesUnder('k8s');
const documents = files.flatMap((file) => parseYamlDocuments(readRepoFile(file), file).map((doc) => ({ file, doc: doc as Manifest })));
const kustomizations = documents.filter(({ doc }) => doc.kind in KUSTOMIZE_KINDS);
const manifests = documents.filter(({ doc }) => !(doc.kind in KUSTOMIZE_KINDS)).map(({ doc }) => doc);
const ofKind = (list: Manifest[], kind: string) => list.filter((m) => m.kind === kind);
const byName = (list: Manifest[], kind: string, name: string) => ofKind(list, kind).find((m) => m.metadata.name === name);

const configMap = byName(manifests, 'ConfigMap', 'flowline-config')!;
/** A Secret's template, an env file outside the base (k8s/secrets): KEY=value lines. */
const envTemplate = (file: string): Record<string, string> =>
  Object.fromEntries(
    readRepoFile(file)
      .split('\n')
      .filter((line) => /^[A-Za-z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
const secretTemplate = envTemplate('k8s/secrets/flowline-secrets.env.example');
const brokerUsersTemplate = envTemplate('k8s/secrets/flowline-broker-users.env.example');
/** The Secret as an operator fills it in: the template with its placeholders replaced. */
const filledSecret = Object.fromEntries(Object.entries(secretTemplate).map(([key, value]) => [key, value.replaceAll('CHANGE-ME', 'real-value')]));
/** What a pod of the base gets from envFrom: the ConfigMap, with the Secret's keys. */
const baseConfig = loadConfig({ ...configMap.data, ...filledSecret });

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
const kubectlMissing = kubectl.error ? `kubectl is not installed (${kubectl.error.message})` : kubectl.status !== 0 ? `kubectl does not run: ${kubectl.stderr}` : '';
if (kubectlMissing) console.warn(`k8s overlay rendering skipped: ${kubectlMissing}`);

let served: Awaited<ReturnType<typeof statusesServed>>;
beforeAll(async () => {
  const paths = ofKind(manifests, 'Deployment').flatMap((d) =>
    d.spec.template.spec.containers.flatMap((c: any) => ['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => c[p]?.httpGet?.path).filter(Boolean)),
  );
  served = await statusesServed([...new Set<string>(paths)]);
});

/** Checks that apply to any set of manifests: the raw files or an overlay's rendering. */
function checkDeployments(list: Manifest[], config: ReturnType<typeof loadConfig>): void {
  const deployments = ofKind(list, 'Deployment');
  expect(deployments.map((d) => d.metadata.name).sort()).toEqual(['flowline-api', 'flowline-engine', 'flowline-executor']);
  for (const deployment of deployments) {
    const pod = deployment.spec.template.spec;
    const podLabels = deployment.spec.template.metadata.labels;
    expect(deployment.spec.selector.matchLabels, deployment.metadata.name).toEqual(expect.objectContaining({}));
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) expect(podLabels[key]).toBe(value);
    expect(pod.securityContext.runAsNonRoot, deployment.metadata.name).toBe(true);

    for (const container of pod.containers) {
      const where = `${deployment.metadata.name}/${container.name}`;
      const role = roleOf(container.command) as Role;
      expect(Object.keys(PORT_VARIABLE), where).toContain(role);
      expect(existsSync(join(ROOT, 'apps', role, 'src', 'main.ts')), where).toBe(true);

      expect(container.resources.requests.cpu, where).toBeDefined();
      expect(container.resources.requests.memory, where).toBeDefined();
      expect(container.resources.limits.memory, where).toBeDefined();

      for (const env of container.env ?? []) expect(CONFIG_KEYS, `${where}: ${env.name}`).toContain(env.name);
      const sources = (container.envFrom ?? []).map((from: any) => from.configMapRef?.name ?? from.secretRef?.name);
      expect(sources, where).toEqual(['flowline-config', 'flowline-secrets']);
      // Its own least-privilege broker user, from the broker-users Secret, over the shared AMQP_URL.
      const amqpUrl = (container.env ?? []).find((env: any) => env.name === 'AMQP_URL');
      expect(amqpUrl?.valueFrom?.secretKeyRef, where).toEqual({ name: 'flowline-broker-users', key: role });
      expect(brokerUsersTemplate[role], where).toMatch(new RegExp(`^amqp://flowline-${role}:CHANGE-ME@`));

      // Probes: /health for liveness, /ready for readiness, on the port the role's config serves.
      const ports = new Map<string, number>(container.ports.map((p: any) => [p.name, p.containerPort]));
      const expectedPort = config[PORT_VARIABLE[role]];
      expect(container.livenessProbe.httpGet.path, where).toBe('/health');
      expect(container.readinessProbe.httpGet.path, where).toBe('/ready');
      for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
        const probe = container[kind]?.httpGet;
        if (!probe) continue;
        const port = typeof probe.port === 'number' ? probe.port : ports.get(probe.port);
        expect(port, `${where} ${kind}`).toBe(expectedPort);
        expect(served[role === 'api' ? 'api' : 'worker'][probe.path], `${where} ${kind} ${probe.path}`).toBe(200);
      }
      const scrape = deployment.spec.template.metadata.annotations;
      expect(Number(scrape['prometheus.io/port']), where).toBe(expectedPort);
      expect(served[role === 'api' ? 'api' : 'worker'][scrape['prometheus.io/path']] ?? 200).toBe(200);

      // The kubelet's SIGKILL must come after the preStop pause and the role's own grace.
      const preStopSeconds = Number(container.lifecycle?.preStop?.exec?.command?.[1] ?? 0);
      const slackMs = pod.terminationGracePeriodSeconds * 1000 - preStopSeconds * 1000 - config.SHUTDOWN_GRACE_MS;
      expect(slackMs, `${where} terminationGracePeriodSeconds vs SHUTDOWN_GRACE_MS`).toBeGreaterThanOrEqual(2000);
      expect(slackMs, `${where} terminationGracePeriodSeconds vs SHUTDOWN_GRACE_MS`).toBeLessThanOrEqual(15_000);
    }
  }
  for (const pdb of ofKind(list, 'PodDisruptionBudget')) {
    const target = deployments.find((d) => Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
    expect(target, pdb.metadata.name).toBeDefined();
  }
  expect(ofKind(list, 'PodDisruptionBudget')).toHaveLength(3);
}

function checkScaledObjects(list: Manifest[], namespace: string): void {
  const topology = defineTopology(namespace);
  const stages: Record<string, StageQueues> = {
    'flowline-engine': stageQueuesOf(topology, 'engine.events'),
    'flowline-executor': stageQueuesOf(topology, 'executor.actions'),
  };
  const scaledObjects = ofKind(list, 'ScaledObject');
  expect(scaledObjects.map((s) => s.spec.scaleTargetRef.name).sort()).toEqual(['flowline-engine', 'flowline-executor']);
  for (const scaled of scaledObjects) {
    const target = scaled.spec.scaleTargetRef.name;
    expect(byName(list, 'Deployment', target), target).toBeDefined();
    // The autoscaler owns the replica count; a Deployment field would be reset on every apply.
    expect(byName(list, 'Deployment', target)!.spec.replicas, target).toBeUndefined();
    expect(scaled.spec.minReplicaCount).toBeGreaterThanOrEqual(1);
    expect(scaled.spec.maxReplicaCount).toBeGreaterThan(scaled.spec.minReplicaCount);
    // One trigger per lane of the stage, named after it, and a formula that adds them all up.
    const { queues } = stages[target]!;
    const laneName = (queue: string) => (queue === queues[0] ? 'main' : queue.slice(queues[0]!.length + 1));
    expect(scaled.spec.triggers.map((t: any) => t.metadata.queueName), target).toEqual(queues);
    expect(scaled.spec.advanced.scalingModifiers).toMatchObject({ formula: queues.map(laneName).join(' + '), metricType: 'AverageValue' });
    expect(Number(scaled.spec.advanced.scalingModifiers.target)).toBeGreaterThan(0);
    for (const trigger of scaled.spec.triggers) {
      expect(trigger).toMatchObject({ type: 'rabbitmq', name: laneName(trigger.metadata.queueName), metadata: { mode: 'QueueLength', protocol: 'amqp' } });
      expect(Number(trigger.metadata.value)).toBeGreaterThan(0);
      const auth = byName(list, 'TriggerAuthentication', trigger.authenticationRef.name)!;
      expect(auth, trigger.authenticationRef.name).toBeDefined();
      for (const ref of auth.spec.secretTargetRef) {
        expect(ref.parameter).toBe('host');
        expect(ref.name).toBe('flowline-secrets');
        expect(secretTemplate[ref.key], `${ref.name}.${ref.key}`).toMatch(/^amqps?:\/\//);
      }
    }
  }
}

describe('k8s manifests as files', () => {
  it('when every YAML under k8s/ is parsed, then each has a known kind with its apiVersion', () => {
    expect(manifests.length).toBeGreaterThan(10);
    for (const { file, doc } of documents) {
      const expected = API_VERSIONS[doc.kind] ?? KUSTOMIZE_KINDS[doc.kind];
      expect(expected, `${file}: kind ${doc.kind}`).toBeDefined();
      expect(doc.apiVersion, `${file}: ${doc.kind}`).toBe(expected);
    }
  });

  it('when a kustomization names files, then they exist', () => {
    for (const { file, doc } of kustomizations) {
      const names = [...(doc.resources ?? []), ...(doc.components ?? []), ...(doc.configMapGenerator ?? []).flatMap((g: any) => g.files ?? [])];
      for (const name of names) expect(existsSync(join(ROOT, dirname(file), name)), `${file}: ${name}`).toBe(true);
    }
    for (const overlay of OVERLAYS) expect(existsSync(join(ROOT, 'k8s/overlays', overlay, 'kustomization.yaml')), overlay).toBe(true);
  });

  it('when the ConfigMap and the Secret template are read, then every key is a ConfigSchema variable, the values load and no real secret is in them', () => {
    for (const key of [...Object.keys(configMap.data), ...Object.keys(secretTemplate)]) expect(CONFIG_KEYS, key).toContain(key);
    expect(Object.keys(secretTemplate)).toEqual(expect.arrayContaining(['AMQP_URL', 'MONGODB_URL', 'JWT_SECRET']));
    for (const value of Object.values(secretTemplate)) expect(value === '' || value.includes('CHANGE-ME'), value).toBe(true);
    expect(baseConfig.FLOWLINE_NAMESPACE).toBe('flowline');
  });

  it('when the base is read, then it holds no Secret, so applying an overlay never overwrites the real one; the template left as is is refused by every role', () => {
    const base = kustomizations.find(({ file }) => file === 'k8s/base/kustomization.yaml')!.doc;
    const baseFiles = (base.resources as string[]).map((name) => `k8s/base/${name}`);
    const baseKinds = documents.filter(({ file }) => baseFiles.includes(file)).map(({ doc }) => doc.kind);
    expect(baseKinds).not.toContain('Secret');
    expect(documents.filter(({ doc }) => doc.kind === 'Secret')).toEqual([]);
    expect(readRepoFile('.gitignore')).toMatch(/^k8s\/secrets\/\*\.env$/m);
    for (const name of ['AMQP_URL', 'MONGODB_URL', 'JWT_SECRET']) {
      expect(() => loadConfig({ ...configMap.data, ...secretTemplate })).toThrow(new RegExp(`${name}: still the CHANGE-ME placeholder`));
    }
  });

  it('when the Deployments are read, then probes hit paths and ports the roles serve, resources are set and the grace period covers SHUTDOWN_GRACE_MS', () => {
    checkDeployments(manifests, baseConfig);
    expect(byName(manifests, 'Namespace', 'flowline')).toBeDefined();
    const service = byName(manifests, 'Service', 'flowline-api')!;
    const api = byName(manifests, 'Deployment', 'flowline-api')!;
    expect(api.spec.template.metadata.labels).toMatchObject(service.spec.selector);
    expect(api.spec.template.spec.containers[0].ports.map((p: any) => p.name)).toContain(service.spec.ports[0].targetPort);
  });

  it('when the KEDA component is read, then engine and executor scale on the queue length of the queues topology.ts declares', () => {
    checkScaledObjects(manifests, baseConfig.FLOWLINE_NAMESPACE);
  });

  it('when the HPA alternative is read, then engines and executors scale on their stage backlog or CPU, the api on CPU', () => {
    const hpas = ofKind(manifests, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['flowline-api', 'flowline-engine', 'flowline-executor']);
    for (const hpa of hpas) {
      const cpu = hpa.spec.metrics.find((m: any) => m.type === 'Resource');
      expect(cpu.resource).toMatchObject({ name: 'cpu', target: { type: 'Utilization' } });
      expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    }
    for (const stage of ['engine', 'executor']) {
      const hpa = byName(manifests, 'HorizontalPodAutoscaler', `flowline-${stage}`)!;
      const backlog = hpa.spec.metrics.find((m: any) => m.type === 'External');
      expect(backlog.external, stage).toMatchObject({ metric: { name: 'flowline_stage_backlog', selector: { matchLabels: { stage } } }, target: { type: 'AverageValue' } });
    }
    expect(byName(manifests, 'HorizontalPodAutoscaler', 'flowline-api')!.spec.metrics).toHaveLength(1);
  });

  it('when prometheus-adapter serves the backlog metric of the HPAs, then its rule sums the metric the workers export, over every lane', async () => {
    const [values] = parseYamlDocuments(readRepoFile('ops/prometheus/prometheus-adapter-values.yml'), 'prometheus-adapter-values.yml');
    const [rule] = values.rules.external;
    expect(rule.name.as).toBe('flowline_stage_backlog');
    expect(rule.seriesQuery).toMatch(/^flowline_queue_messages_ready\{/);
    expect(rule.metricsQuery).toContain('max by (namespace, stage, queue)');
    const exported = (await new FlowlineMetrics().registry.getMetricsAsJSON()).find((m) => m.name === 'flowline_queue_messages_ready');
    expect(exported).toBeDefined();
  });
});

describe.each(OVERLAYS)('kubectl kustomize k8s/overlays/%s', (overlay) => {
  it.skipIf(kubectlMissing !== '')('when rendered, then it succeeds and the result still passes the checks', () => {
    const result = spawnSync('kubectl', ['kustomize', join(ROOT, 'k8s/overlays', overlay)], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const rendered = parseYamlDocuments(result.stdout, overlay) as Manifest[];
    for (const manifest of rendered) expect(manifest.apiVersion, manifest.kind).toBe(API_VERSIONS[manifest.kind]);

    const namespace = ofKind(rendered, 'Namespace')[0]!.metadata.name;
    for (const manifest of rendered.filter((m) => m.kind !== 'Namespace')) expect(manifest.metadata.namespace, manifest.kind).toBe(namespace);
    const renderedConfigMap = byName(rendered, 'ConfigMap', 'flowline-config')!;
    expect(ofKind(rendered, 'Secret')).toEqual([]);
    const config = loadConfig({ ...renderedConfigMap.data, ...filledSecret });
    checkDeployments(rendered, config);
    for (const deployment of ofKind(rendered, 'Deployment')) {
      expect(deployment.spec.template.spec.containers[0].image).toMatch(/^registry\.example\.com\/flowline:/);
    }
    const keda = ofKind(rendered, 'ScaledObject').length > 0;
    const hpa = ofKind(rendered, 'HorizontalPodAutoscaler').length > 0;
    // Exactly one autoscaler per overlay: KEDA and an HPA on one Deployment would fight.
    expect(keda !== hpa).toBe(true);
    if (keda) checkScaledObjects(rendered, config.FLOWLINE_NAMESPACE);
  });
});

describe('kubectl kustomize k8s/secrets', () => {
  it.skipIf(kubectlMissing !== '')('when rendered from a filled-in copy of the env file, then it is the two Secrets the roles and KEDA name, without a hash suffix', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowline-secrets-'));
    try {
      cpSync(join(ROOT, 'k8s/secrets'), dir, { recursive: true });
      writeFileSync(join(dir, 'flowline-secrets.env'), Object.entries(filledSecret).map(([k, v]) => `${k}=${v}`).join('\n'));
      writeFileSync(join(dir, 'flowline-broker-users.env'), Object.entries(brokerUsersTemplate).map(([k, v]) => `${k}=${v.replaceAll('CHANGE-ME', 'real')}`).join('\n'));
      const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      expect(result.stderr).toBe('');
      const secrets = parseYamlDocuments(result.stdout, 'k8s/secrets') as Manifest[];
      expect(secrets.map((m) => `${m.kind}/${m.metadata.namespace}/${m.metadata.name}`).sort()).toEqual(['Secret/flowline/flowline-broker-users', 'Secret/flowline/flowline-secrets']);
      const rendered = byName(secrets, 'Secret', 'flowline-secrets');
      expect(Object.keys(byName(secrets, 'Secret', 'flowline-broker-users')!.data).sort()).toEqual(['api', 'engine', 'executor']);
      const decoded = Object.fromEntries(Object.entries<string>(rendered!.data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      expect(loadConfig({ ...configMap.data, ...decoded }).AMQP_URL).toBe(filledSecret['AMQP_URL']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
