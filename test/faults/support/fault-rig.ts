import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { vi } from 'vitest';
import { RuleSchema, type TenantId } from '@flowline/contracts';
import { defineTopology, eventRoutingKey, HEADERS } from '@flowline/messaging';
import { openSqliteStores } from '@flowline/storage';
import { deleteNamespace, eventually, highValueEnvelope, spawnRole, tempDir, uniqueNamespace, waitForLog, type RoleProcess } from '../../support/harness.ts';

const run = promisify(execFile);

/** Volumes: small for `npm test`, full (≥ 5,000 events, 50 tenants) under `npm run test:faults`. */
export const VOLUME = {
  events: Number(process.env['FLOWLINE_FAULT_EVENTS'] ?? 300),
  tenants: Number(process.env['FLOWLINE_FAULT_TENANTS'] ?? 10),
};

// A fault scenario spawns worker processes and waits on its own bounded conditions; on a loaded
// two-core machine starting them alone can take most of the default 30 s, so a scenario gets 2 min.
// (Under `npm run test:faults` the config's larger timeout wins.)
if (!process.env['FLOWLINE_FAULT_EVENTS']) vi.setConfig({ testTimeout: 120_000 });

/** Retry settings of the spawned workers: short, so a fault test waits seconds, not minutes. */
export const RETRY = { maxAttempts: 10, retryDelay: { baseMs: 200, maxMs: 2000 } };

export interface Tally {
  events: number;
  effects: number;
  lost: number;
  duplicates: number;
  /** Executions that took more than one delivery of their event. */
  redeliveredExecutions: number;
  /** Action outcomes that took more than one delivery of their command. */
  redeliveredActions: number;
}

/**
 * One fault scenario's world: a namespace on the shared broker, an SQLite file, one rule per
 * tenant (each matching event creates one task), worker processes, and a publisher that puts
 * events straight on the events exchange as the api would. Counting is done on the store.
 */
export class FaultRig {
  readonly namespace = uniqueNamespace('fault');
  readonly dir = tempDir();
  readonly sqlitePath = `${this.dir.path}/flowline.db`;
  readonly roles: RoleProcess[] = [];
  readonly published: Array<{ id: string; tenant: string }> = [];
  readonly env: Record<string, string>;
  readonly #amqpUrl: string;
  readonly #ruleIds = new Map<string, string>();
  #connection: amqplib.ChannelModel | undefined;
  #channel: amqplib.ConfirmChannel | undefined;
  #db: DatabaseSync | undefined;

  constructor(amqpUrl: string, env: Record<string, string> = {}) {
    this.#amqpUrl = amqpUrl;
    this.env = {
      AMQP_URL: amqpUrl,
      FLOWLINE_NAMESPACE: this.namespace,
      SQLITE_PATH: this.sqlitePath,
      ENGINE_HEALTH_PORT: '0',
      EXECUTOR_HEALTH_PORT: '0',
      PREFETCH: '16',
      MAX_DELIVERY_ATTEMPTS: String(RETRY.maxAttempts),
      RETRY_BASE_MS: String(RETRY.retryDelay.baseMs),
      RETRY_MAX_MS: String(RETRY.retryDelay.maxMs),
      SHUTDOWN_GRACE_MS: '15000',
      ...env,
    };
  }

  /** One rule per tenant: a high-value opportunity creates a task (or runs `action` instead). */
  async seed(tenants: number, action: Record<string, unknown> = { type: 'create_task', parameters: { title: 'Call about {{opportunity_id}}' } }): Promise<string[]> {
    const stores = await openSqliteStores(this.sqlitePath);
    const names: string[] = [];
    try {
      for (let i = 0; i < tenants; i += 1) {
        const tenant = `tenant-${String(i).padStart(3, '0')}`;
        const now = new Date().toISOString();
        const rule = RuleSchema.parse({
          id: randomUUID(),
          tenant_id: tenant,
          name: 'Call big deals',
          description: 'A task per high-value opportunity',
          module_type: 'sales',
          trigger_id: 'high_value_opportunity',
          conditions: [{ type: 'value_threshold', value: 10_000 }],
          actions: [action],
          is_active: true,
          version: 1,
          created_at: now,
          updated_at: now,
        });
        await stores.rules.insert(tenant as TenantId, rule);
        this.#ruleIds.set(tenant, rule.id);
        names.push(tenant);
      }
    } finally {
      await stores.close();
    }
    return names;
  }

  spawn(role: 'engine' | 'executor', env: Record<string, string> = {}): RoleProcess {
    const process = spawnRole(role, { ...this.env, ...env });
    this.roles.push(process);
    return process;
  }

  async spawnWorkers(engines: number, executors: number): Promise<RoleProcess[]> {
    const started = [
      ...Array.from({ length: engines }, () => this.spawn('engine')),
      ...Array.from({ length: executors }, () => this.spawn('executor')),
    ];
    await Promise.all(started.map((role) => waitForLog(role, 'started', 30_000)));
    return started;
  }

  /** Publishes `count` matching events round-robin over the tenants, with confirms in batches. */
  async publishEvents(tenants: string[], count: number, batch = 100): Promise<void> {
    const channel = await this.#publisher();
    for (let i = 0; i < count; i += 1) {
      const tenant = tenants[i % tenants.length]!;
      const id = randomUUID();
      this.publishRaw(channel, Buffer.from(JSON.stringify(this.event(id, tenant))), { messageId: id, tenant });
      this.published.push({ id, tenant });
      if ((i + 1) % batch === 0) await channel.waitForConfirms();
    }
    await channel.waitForConfirms();
  }

  event(id: string, tenant: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return highValueEnvelope(tenant, { id, source: 'fault-test', data: { opportunity_id: `opp-${id.slice(0, 8)}`, value: 50_000 }, correlation_id: id, ...overrides });
  }

  publishRaw(
    channel: amqplib.ConfirmChannel,
    content: Buffer,
    { messageId, tenant, routingKey = eventRoutingKey('sales', 'high_value_opportunity') }: { messageId: string; tenant: string; routingKey?: string },
  ): void {
    channel.publish(`${this.namespace}.events`, routingKey, content, {
      persistent: true,
      contentType: 'application/json',
      messageId,
      headers: { [HEADERS.tenantId]: tenant },
    });
  }

  async #publisher(): Promise<amqplib.ConfirmChannel> {
    if (this.#channel) return this.#channel;
    this.#connection = await amqplib.connect(this.#amqpUrl, { clientProperties: { connection_name: `fault-test publisher ${this.namespace}` } });
    this.#channel = await this.#connection.createConfirmChannel();
    return this.#channel;
  }

  async publisherChannel(): Promise<amqplib.ConfirmChannel> {
    return this.#publisher();
  }

  /** Tasks stored so far (read straight from the file, as a separate reader). */
  effectCount(): number {
    const row = this.#reader().prepare('SELECT count(*) AS n FROM tasks').get();
    return Number(row?.['n'] ?? 0);
  }

  /** Waits until every published event has its task, or the timeout passes. */
  async waitForAllEffects(timeoutMs = 120_000): Promise<void> {
    await eventually(async () => (this.effectCount() >= this.published.length ? true : undefined), timeoutMs, 200);
  }

  /** Lost and duplicate effects of the published events, checked against the store. */
  tally(): Tally {
    const db = this.#reader();
    const tasksPerEvent = new Map<string, number>();
    for (const row of db.prepare("SELECT json_extract(doc, '$.event_id') AS event_id, count(*) AS n FROM tasks GROUP BY 1").all()) {
      tasksPerEvent.set(String(row['event_id']), Number(row['n']));
    }
    const executionsPerEvent = new Map<string, number>();
    let redeliveredExecutions = 0;
    let redeliveredActions = 0;
    for (const row of db.prepare('SELECT event_id, doc FROM executions').all()) {
      const eventId = String(row['event_id']);
      executionsPerEvent.set(eventId, (executionsPerEvent.get(eventId) ?? 0) + 1);
      const doc = JSON.parse(String(row['doc'])) as { deliveries?: number; actions: Array<{ deliveries?: number }> };
      if ((doc.deliveries ?? 1) > 1) redeliveredExecutions += 1;
      redeliveredActions += doc.actions.filter((a) => (a.deliveries ?? 1) > 1).length;
    }
    let lost = 0;
    let duplicates = 0;
    let effects = 0;
    for (const { id } of this.published) {
      const tasks = tasksPerEvent.get(id) ?? 0;
      const executions = executionsPerEvent.get(id) ?? 0;
      effects += tasks;
      if (tasks === 0) lost += 1;
      duplicates += Math.max(0, tasks - 1) + Math.max(0, executions - 1);
    }
    return { events: this.published.length, effects, lost, duplicates, redeliveredExecutions, redeliveredActions };
  }

  /** Connections this rig's workers opened (their connection_name carries the namespace). */
  async brokerConnections(): Promise<string[]> {
    // Tab-separated: the pid as close_connection wants it, then the client properties.
    const { stdout } = await run('rabbitmqctl', ['list_connections', 'pid', 'client_properties', '-q']);
    const marker = `{"connection_name","flowline ${this.namespace}"}`;
    return stdout
      .split('\n')
      .filter((line) => line.includes(marker))
      .map((line) => line.split('\t')[0]!.trim());
  }

  /** Force-closes ONLY this rig's worker connections on the shared broker. */
  async closeWorkerConnections(pids?: string[]): Promise<number> {
    const targets = pids ?? (await this.brokerConnections());
    await Promise.all(targets.map((pid) => run('rabbitmqctl', ['close_connection', pid, 'fault test: forced close', '-q'])));
    return targets.length;
  }

  /** Messages in this rig's dead-letter queues. */
  async deadLetterCounts(): Promise<{ engine: number; executor: number }> {
    const connection = await amqplib.connect(this.#amqpUrl);
    try {
      const channel = await connection.createChannel();
      const topology = defineTopology(this.namespace, RETRY);
      const count = async (queue: string) => (await channel.checkQueue(`${topology.subscriptions[queue as 'engine.events'].queue}.dead-letter`)).messageCount;
      return { engine: await count('engine.events'), executor: await count('executor.actions') };
    } finally {
      await connection.close();
    }
  }

  /** A read-only connection to the rig's SQLite file, for counting. */
  reader(): DatabaseSync {
    return this.#reader();
  }

  #reader(): DatabaseSync {
    this.#db ??= new DatabaseSync(this.sqlitePath, { readOnly: true, timeout: 5000 });
    return this.#db;
  }

  async close(): Promise<void> {
    await Promise.all(this.roles.map((role) => (role.child.exitCode === null && role.child.signalCode === null ? role.stop() : undefined)));
    await this.#connection?.close().catch(() => {});
    this.#db?.close();
    await deleteNamespace(this.#amqpUrl, this.namespace, RETRY).catch(() => {});
    this.dir.remove();
  }
}

/**
 * Whether this machine's `rabbitmqctl` can see the broker under test (not so when AMQP_URL
 * points at a broker elsewhere); prints why not.
 */
export async function rabbitmqctlReaches(amqpUrl: string): Promise<boolean> {
  const host = new URL(amqpUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') {
    console.warn(`[fault] skipped: the broker at ${host} is not local, so rabbitmqctl cannot close its connections`);
    return false;
  }
  try {
    await run('rabbitmqctl', ['list_connections', 'pid', '-q'], { timeout: 30_000 });
    return true;
  } catch (error) {
    console.warn(`[fault] skipped: rabbitmqctl is not usable here (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    return false;
  }
}

/** Prints a scenario's figures where `npm test` shows them. */
export function report(scenario: string, tally: Tally, extra: Record<string, number | string> = {}): void {
  const fields = { ...tally, ...extra };
  console.log(`[fault] ${scenario}: ${Object.entries(fields).map(([k, v]) => `${k}=${v}`).join(' ')}`);
}

export function seconds(fromMs: number, toMs = Date.now()): number {
  return Math.round((toMs - fromMs) / 100) / 10;
}

/** Waits (polling) until `value()` reaches `target`. */
export async function eventuallyAtLeast(value: () => number, target: number, timeoutMs = 60_000): Promise<void> {
  await eventually(async () => (value() >= target ? true : undefined), timeoutMs, 50);
}
