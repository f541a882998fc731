import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { startApi, type ApiSecurity } from '@flowline/api';
import { startEngine } from '@flowline/engine';
import { startExecutor, type ExecutorOptions } from '@flowline/executor';
import { createMessageBus, defineTopology, deleteTopology, type MessageBus, type RetryOptions } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { storeTarget, type StoreKind, type StoreTarget } from './store-target.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

/** A fresh namespace, so that test files running at once on one broker never share a queue. */
export function uniqueNamespace(prefix = 'test'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'flowline-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Deletes a namespace's queues and exchanges from the broker after a test. */
export async function deleteNamespace(amqpUrl: string, namespace: string, retry: RetryOptions = { maxAttempts: 3 }): Promise<void> {
  // Retry queues carry their delay in their name: delete those of the defaults and of `retry`.
  const topology = defineTopology(namespace, retry);
  topology.queues = { ...defineTopology(namespace).queues, ...topology.queues };
  await deleteTopology(amqpUrl, topology);
}

export interface InProcessFlowline {
  baseUrl: string;
  stores: Stores;
  bus: MessageBus;
  stop(): Promise<void>;
}

/** api, engine and executor in this process, on a real bus (RabbitMQ when amqpUrl is given). */
export async function startInProcess(options: {
  amqpUrl?: string;
  namespace: string;
  sqlitePath?: string;
  store?: StoreTarget;
  security?: ApiSecurity;
  engine?: Omit<Parameters<typeof startEngine>[0], 'stores' | 'bus' | 'logger'>;
  executor?: ExecutorOptions;
  prefetch?: number;
}): Promise<InProcessFlowline> {
  const logger = silentLogger();
  const stores = options.store ? await options.store.open() : await openSqliteStores(options.sqlitePath ?? ':memory:');
  const bus = await createMessageBus({ amqpUrl: options.amqpUrl, namespace: options.namespace, maxAttempts: 3, logger, ...(options.prefetch ? { prefetch: options.prefetch } : {}) });
  const executor = await startExecutor({ stores, bus, logger, maxDeliveryAttempts: 3, ...options.executor });
  const engine = await startEngine({ stores, bus, logger, ...options.engine });
  const api = await startApi({ stores, bus, catalogue, logger, port: 0, host: '127.0.0.1', ...(options.security ? { security: options.security } : {}) });
  return {
    baseUrl: `http://127.0.0.1:${api.port}`,
    stores,
    bus,
    async stop() {
      await api.stop();
      await engine.stop();
      await executor.stop();
      await bus.close();
      await stores.close();
    },
  };
}

/**
 * Registers beforeAll/afterAll hooks that run Flowline in this process on the real broker,
 * under a fresh namespace and fresh stores of `options.kind` (SQLite by default), and clean both
 * up afterwards.
 */
export function useInProcessFlowline(
  prefix: string,
  options: Pick<Parameters<typeof startInProcess>[0], 'engine' | 'executor' | 'prefetch'> & { kind?: StoreKind } = {},
): { readonly current: InProcessFlowline; readonly namespace: string } {
  const amqpUrl = inject('amqpUrl');
  const namespace = uniqueNamespace(prefix);
  const holder = { namespace } as { current: InProcessFlowline; namespace: string };
  const { kind = 'sqlite', ...startOptions } = options;
  let store: StoreTarget | undefined;
  beforeAll(async () => {
    store = storeTarget(kind);
    holder.current = await startInProcess({ amqpUrl, namespace, store, ...startOptions });
  });
  afterAll(async () => {
    await holder.current?.stop();
    await deleteNamespace(amqpUrl, namespace);
    await store?.remove();
  });
  return holder;
}

/** A small HTTP client bound to one tenant. */
export function client(baseUrl: string, tenant: string | undefined) {
  const request = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(tenant === undefined ? {} : { 'x-tenant-id': tenant }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: response.status, headers: response.headers, body: json };
  };
  return {
    request,
    get: (path: string) => request('GET', path),
    post: (path: string, body?: unknown, headers?: Record<string, string>) => request('POST', path, body, headers),
    put: (path: string, body?: unknown, headers?: Record<string, string>) => request('PUT', path, body, headers),
    patch: (path: string, body?: unknown, headers?: Record<string, string>) => request('PATCH', path, body, headers),
    delete: (path: string) => request('DELETE', path),
  };
}

/** Polls until `check` returns a value that is not undefined, or fails with the last error. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
}

/**
 * A `high_value_opportunity` envelope as another service would publish it straight to the
 * exchange; `overrides` replace any field (a bad value makes a poison message).
 */
export function highValueEnvelope(tenant: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = randomUUID();
  return {
    id,
    tenant_id: tenant,
    type: 'high_value_opportunity',
    module_type: 'sales',
    source: 'test',
    time: new Date().toISOString(),
    data: { opportunity_id: `opp-${id.slice(0, 8)}`, value: 50_000 },
    correlation_id: id,
    ...overrides,
  };
}

/** The spec's "High Value Deal Alert" rule. */
export const HIGH_VALUE_DEAL_ALERT = {
  name: 'High Value Deal Alert',
  description: 'Notify sales manager about deals over $10,000',
  module_type: 'sales',
  trigger_id: 'high_value_opportunity',
  conditions: [{ type: 'value_threshold', value: 10000 }],
  actions: [
    {
      type: 'send_notification',
      parameters: {
        recipient: 'sales-manager@example.com',
        message: 'New high-value opportunity: {{opportunity_name}} - ${{value}}',
      },
    },
  ],
};

export interface RoleProcess {
  child: ChildProcess;
  output(): string;
  /** Resolves with the exit code once the process has ended by itself. */
  exited: Promise<number | null>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts one role (`api`, `engine`, `executor`, `standalone`) as its own OS process. */
export function spawnRole(role: 'api' | 'engine' | 'executor' | 'standalone', env: Record<string, string>): RoleProcess {
  const child = spawn(process.execPath, [join(ROOT, 'apps', role, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/**
 * The environment of roles run as separate processes on one broker namespace and one store
 * (`store`, else the SQLite file at `sqlitePath`), each on a free port (read it from the log),
 * plus `extra`.
 */
export function separateProcessEnv(options: { amqpUrl: string; namespace: string; sqlitePath?: string; store?: StoreTarget }, extra: Record<string, string> = {}): Record<string, string> {
  return {
    AMQP_URL: options.amqpUrl,
    FLOWLINE_NAMESPACE: options.namespace,
    ...(options.store ? options.store.env : { SQLITE_PATH: options.sqlitePath!, MONGODB_URL: '' }),
    PORT: '0',
    HOST: '127.0.0.1',
    ENGINE_HEALTH_PORT: '0',
    EXECUTOR_HEALTH_PORT: '0',
    ...extra,
  };
}

/** Waits for a role's log to show a line containing `text`. */
export function waitForLog(role: RoleProcess, text: string, timeoutMs = 20_000): Promise<void> {
  return eventually(async () => {
    if (role.child.exitCode !== null) throw new Error(`process exited (${role.child.exitCode}):\n${role.output()}`);
    return role.output().includes(text) ? true : undefined;
  }, timeoutMs).then(() => undefined);
}
