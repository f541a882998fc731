import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiSecurityFromConfig } from '@flowline/api';
import { loadConfig } from '@flowline/config';
import { startApiOnly } from '../support/api-only.ts';
import { BROKER_ROLES, brokerDefinitions, brokerPermissions, defineTopology } from '@flowline/messaging';
import { ROOT } from '../support/harness.ts';
import { CONFIG_KEYS, PORT_VARIABLE, parseYamlDocuments, readRepoFile, roleOf } from './ops-files.ts';
import { statusesServed } from './probe-paths.ts';

/*
 * No Docker engine runs here, so docker-compose.yml and the Dockerfile are checked as data:
 * the services, images, environment (against ConfigSchema), health checks and start order
 * that `docker compose up` depends on.
 */
const [compose] = parseYamlDocuments(readRepoFile('docker-compose.yml'), 'docker-compose.yml');
const services: Record<string, any> = compose.services;
const [rabbitmqPorts] = parseYamlDocuments(readRepoFile('docker-compose.rabbitmq-ports.yml'), 'docker-compose.rabbitmq-ports.yml');
const dockerfile = readRepoFile('Dockerfile');
const ROLES = ['api', 'engine', 'executor'] as const;
const definitions = JSON.parse(readRepoFile('ops/rabbitmq/definitions.json'));

/** RabbitMQ's salted SHA-256: the first 4 bytes of the hash are its salt. */
function passwordMatches(hash: string, password: string): boolean {
  const bytes = Buffer.from(hash, 'base64');
  const salt = bytes.subarray(0, 4);
  return createHash('sha256').update(Buffer.concat([salt, Buffer.from(password)])).digest().equals(bytes.subarray(4));
}

/** The URL a `node -e "fetch('...')"` health check asks. */
const healthcheckUrl = (service: any) => /fetch\('([^']+)'\)/.exec((service.healthcheck?.test ?? []).join(' '))?.[1];

let served: Awaited<ReturnType<typeof statusesServed>>;
beforeAll(async () => {
  served = await statusesServed(ROLES.map((role) => new URL(healthcheckUrl(services[role])!).pathname));
});

describe('docker-compose.yml', () => {
  it('when parsed, then it has MongoDB, RabbitMQ with its management UI, the api, two engines and an executor', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['mongodb', 'rabbitmq', 'api', 'engine', 'executor']));
    expect(services.mongodb.image).toMatch(/^mongo:\d/);
    expect(services.rabbitmq.image).toMatch(/^rabbitmq:[\d.]+-management$/);
    // No host ports unless asked: a broker already on this machine holds 5672 and 15672.
    expect(services.rabbitmq.ports).toBeUndefined();
    expect(rabbitmqPorts.services.rabbitmq.ports).toEqual(['5672:5672', '15672:15672']);
    expect(Object.keys(rabbitmqPorts.services)).toEqual(['rabbitmq']);
    expect(services.engine.deploy.replicas).toBe(2);
    expect(services.executor.deploy?.replicas ?? 1).toBeGreaterThanOrEqual(1);
  });

  it('when the roles are built, then they share one image from a Dockerfile target and each runs its own main.ts', () => {
    const images = new Set(ROLES.map((role) => services[role].image));
    expect(images).toEqual(new Set(['flowline:local']));
    for (const role of ROLES) {
      const service = services[role];
      expect(dockerfile, role).toMatch(new RegExp(`^FROM .+ AS ${service.build.target}$`, 'm'));
      expect(roleOf(service.command), role).toBe(role);
      expect(existsSync(join(ROOT, service.command.at(-1))), role).toBe(true);
    }
  });

  it('when a role starts, then every variable it is given is in ConfigSchema and the values load', () => {
    for (const role of ROLES) {
      const environment: Record<string, string> = services[role].environment;
      for (const name of Object.keys(environment)) expect(CONFIG_KEYS, `${role}: ${name}`).toContain(name);
      const config = loadConfig(environment);
      expect(new URL(config.AMQP_URL!).hostname, role).toBe('rabbitmq');
      expect(new URL(config.MONGODB_URL!).hostname, role).toBe('mongodb');
      // Each role logs in as its own least-privilege user, whose password the broker's definitions hold.
      const user = definitions.users.find((u: any) => u.name === decodeURIComponent(new URL(config.AMQP_URL!).username));
      expect(user?.name, role).toBe(`flowline-${role}`);
      expect(passwordMatches(user.password_hash, decodeURIComponent(new URL(config.AMQP_URL!).password)), role).toBe(true);
      expect(config.AMQP_TOPOLOGY, role).toBe('verify');
    }
  });

  it('when RabbitMQ boots, then it loads ops/rabbitmq/definitions.json: the topology the roles verify and each role user with exactly its permissions', () => {
    expect(services.rabbitmq.volumes).toEqual(expect.arrayContaining(['./ops/rabbitmq/definitions.json:/etc/rabbitmq/definitions.json:ro']));
    expect(readRepoFile('ops/rabbitmq/20-flowline.conf')).toMatch(/^load_definitions = \/etc\/rabbitmq\/definitions.json$/m);
    const config = loadConfig(services.api.environment);
    const topology = defineTopology(config.FLOWLINE_NAMESPACE, { maxAttempts: config.MAX_DELIVERY_ATTEMPTS, retryDelay: { baseMs: config.RETRY_BASE_MS, maxMs: config.RETRY_MAX_MS } }, 'operator');
    const expected = brokerDefinitions(topology, []) as any;
    expect(definitions.queues).toEqual(expected.queues);
    expect(definitions.exchanges).toEqual(expected.exchanges);
    expect(definitions.bindings).toEqual(expected.bindings);
    const permissions = brokerPermissions(topology);
    for (const role of BROKER_ROLES) {
      const { user: _user, vhost: _vhost, ...granted } = definitions.permissions.find((p: any) => p.user === `flowline-${role}`);
      expect(granted, role).toEqual(permissions[role]);
    }
  });

  it('when the health checks run, then each role asks /ready on the port its configuration serves, a path the app answers', () => {
    for (const role of ROLES) {
      const config = loadConfig(services[role].environment);
      const url = new URL(healthcheckUrl(services[role])!);
      expect(Number(url.port), role).toBe(config[PORT_VARIABLE[role]]);
      expect(url.pathname, role).toBe('/ready');
      expect(served[role === 'api' ? 'api' : 'worker'][url.pathname], role).toBe(200);
    }
    expect(services.api.ports).toContain(`${loadConfig(services.api.environment).PORT}:${loadConfig(services.api.environment).PORT}`);
    for (const name of ['mongodb', 'rabbitmq']) expect(services[name].healthcheck.test, name).toBeDefined();
  });

  it('when the roles start and stop, then they wait for healthy MongoDB and RabbitMQ, data lives in named volumes, and the stop grace covers SHUTDOWN_GRACE_MS', () => {
    for (const role of ROLES) {
      expect(services[role].depends_on, role).toEqual({ mongodb: { condition: 'service_healthy' }, rabbitmq: { condition: 'service_healthy' } });
    }
    const declared = Object.keys(compose.volumes);
    for (const [name, service] of Object.entries(services)) {
      for (const volume of (service.volumes ?? []) as string[]) {
        const source = volume.split(':')[0]!;
        if (!source.startsWith('.')) expect(declared, `${name}: ${volume}`).toContain(source);
        else expect(existsSync(join(ROOT, source)), `${name}: ${volume}`).toBe(true);
      }
    }
    expect(services.mongodb.volumes.some((v: string) => v.endsWith(':/data/db'))).toBe(true);
    // `docker compose stop` waits out the role's own grace before SIGKILL.
    for (const role of ROLES) {
      const graceMs = Number(/^(\d+)s$/.exec(services[role].stop_grace_period)?.[1]) * 1000;
      expect(graceMs - loadConfig(services[role].environment).SHUTDOWN_GRACE_MS, role).toBeGreaterThanOrEqual(2000);
    }
    expect(services.rabbitmq.volumes.some((v: string) => v.endsWith(':/var/lib/rabbitmq'))).toBe(true);
  });
});

describe('the compose walk-through', () => {
  it('when a token is minted inside the stack (flowline token with the api service environment), then the api of that environment accepts it', async () => {
    const env = services.api.environment as Record<string, string>;
    const minted = spawnSync(process.execPath, [join(ROOT, 'apps/cli/src/main.ts'), 'token', '--tenant', 'acme-corp'], {
      env: { PATH: process.env['PATH'] ?? '', ...env },
      encoding: 'utf8',
    });
    expect(minted.stderr).toBe('');
    expect(minted.status).toBe(0);
    const api = await startApiOnly((security) => {
      security.auth = { ...apiSecurityFromConfig(loadConfig(env)).auth };
    });
    try {
      const res = await fetch(`${api.baseUrl}/api/v1/automation/rules`, { headers: { authorization: `Bearer ${minted.stdout.trim()}` } });
      expect(res.status).toBe(200);
      expect((await fetch(`${api.baseUrl}/api/v1/automation/rules`, { headers: { 'x-tenant-id': 'acme-corp' } })).status).toBe(401);
    } finally {
      await api.stop();
    }
  });
});

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM '));
  const runtime = stages.find((s) => /^FROM .+ AS runtime$/m.test(s))!;

  it('when built, then it is multi-stage on Node 24 slim, installs production dependencies only and runs as a non-root user', () => {
    expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m);
    expect(stages.length).toBeGreaterThan(1);
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toMatch(/^USER node$/m);
    expect(runtime).toMatch(/^CMD \["node", "apps\/standalone\/src\/main\.ts"\]$/m);
  });

  it('when the image is built, then the flowline CLI is on the PATH and production dependencies are all it needs', () => {
    expect(runtime).toMatch(/ln -s \/app\/apps\/cli\/src\/main\.ts \/usr\/local\/bin\/flowline/);
    expect(runtime).toMatch(/^COPY apps\/ apps\/$/m);
    expect(readRepoFile('apps/cli/src/main.ts')).toMatch(/^#!\/usr\/bin\/env node\n/);
    // The CLI's own imports are production dependencies of its workspace (the image omits dev ones).
    const manifest = JSON.parse(readRepoFile('apps/cli/package.json'));
    expect(manifest.bin).toEqual({ flowline: 'src/main.ts' });
    expect(manifest.devDependencies).toBeUndefined();
  });

  it('when a role target is picked, then it runs that role', () => {
    for (const role of [...ROLES, 'standalone']) {
      expect(dockerfile, role).toMatch(new RegExp(`^FROM runtime AS ${role}\\nCMD \\["node", "apps/${role}/src/main\\.ts"\\]$`, 'm'));
    }
  });

  it('when the build context is sent, then dependencies, git history and local data stay out', () => {
    const ignored = readRepoFile('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['**/node_modules', '.git', 'data', '*.db']) expect(ignored).toContain(entry);
  });
});
