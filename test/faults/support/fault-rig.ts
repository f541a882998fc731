import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { promisify } from 'node:util';
import amqplib from 'amqplib';
import { vi } from 'vitest';
import { RuleSchema, type TenantId } from '@flowline/contracts';
import { defineTopology, eventRoutingKey, HEADERS } from '@flowline/messaging';
import { MongoClient, type Db } from 'mongodb';
import { deleteNamespace, eventually, highValueEnvelope, spawnRole, uniqueNamespace, waitForLog, type RoleProcess } from '../../support/harness.ts';
import { storeTarget, type StoreKind, type StoreTarget } from '../../support/store-target.ts';
import { sampleSum, scrape } from '../../support/prometheus-text.ts';

const run = promisify(execFile);

/** Volumes: small for `npm test`, full (≥ 5,000 events, 50 tenants) under `npm run test:faults`. */
export const VOLUME = {
  events: Number(process.env['FLOWLINE_FAULT_EVENTS'] ?? 300),
  tenants: Number(process.env['FLOWLINE_FAULT_TENANTS'] ?? 10),
};

/**
 * A scenario's time limit: it grows with the volume (about 20 ms per event on MongoDB under a
 * loaded CI machine), with room to spare, so that a slow machine does not fail a correct run.
 */
export const SCENARIO_TIMEOUT_MS = 150_000 + VOLUME.events * 100;

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

/** The documents the tally reads, whichever store holds them. */
interface Counted {
  tasks: Array<{ event_id: string }>;
  executions: Array<{ event_id: string; deliveries?: number }>;
  /** Action outcomes, one per command id. */
  results: Array<{ deliveries?: number }>;
}

/**
 * One fault scenario's world: a namespace on the shared broker, a store (an SQLite file or a
 * MongoDB database), one rule per tenant (each matching event creates one task), worker
 * processes, and a publisher that puts events straight on the events exchange as the api would.
 * Counting is done on the store, as a separate reader.
 */
export class FaultRig {
  readonly namespace = uniqueNamespace('fault');
  readonly store: StoreTarget;
  /** Only meaningful on SQLite. */
  readonly sqlitePath: string;
  readonly roles: RoleProcess[] = [];
  readonly published: Array<{ id: string; tenant: string }> = [];
  readonly env: Record<string, string>;
  readonly #amqpUrl: string;
  readonly #ruleIds = new Map<string, string>();
  #connection: amqplib.ChannelModel | undefined;
  #channel: amqplib.ConfirmChannel | undefined;
  #db: DatabaseSync | undefined;
  #mongo: Promise<{ client: MongoClient; db: Db }> | undefined;

  constructor(amqpUrl: string, env: Record<string, string> = {}, kind: StoreKind = 'sqlite') {
    this.#amqpUrl = amqpUrl;
    this.store = storeTarget(kind);
    this.sqlitePath = this.store.sqlitePath;
    this.env = {
      AMQP_URL: amqpUrl,
      FLOWLINE_NAMESPACE: this.namespace,
      ...this.store.env,
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
    const stores = await this.store.open();
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

  /** Tasks stored so far (read straight from the store, as a separate reader). */
  async effectCount(): Promise<number> {
    if (this.store.kind === 'mongodb') return (await this.#mongoDb()).collection('tasks').countDocuments({});
    const row = this.#reader().prepare('SELECT count(*) AS n FROM tasks').get();
    return Number(row?.['n'] ?? 0);
  }

  /** Waits until every published event has its task, or the timeout passes. */
  async waitForAllEffects(timeoutMs = Math.max(120_000, VOLUME.events * 60)): Promise<void> {
    await eventuallyAtLeast(() => this.effectCount(), this.published.length, timeoutMs, 200);
  }

  async #counted(): Promise<Counted> {
    if (this.store.kind === 'mongodb') {
      const db = await this.#mongoDb();
      const projection = { _id: 0, event_id: 1, deliveries: 1 };
      return {
        tasks: (await db.collection('tasks').find({}, { projection: { _id: 0, event_id: 1 } }).toArray()) as unknown as Counted['tasks'],
        executions: (await db.collection('automation_executions').find({}, { projection }).toArray()) as unknown as Counted['executions'],
        results: (await db.collection('automation_action_results').find({}, { projection: { _id: 0, deliveries: 1 } }).toArray()) as unknown as Counted['results'],
      };
    }
    const db = this.#reader();
    return {
      tasks: db.prepare("SELECT json_extract(doc, '$.event_id') AS event_id FROM tasks").all().map((row) => ({ event_id: String(row['event_id']) })),
      executions: db.prepare('SELECT doc FROM executions').all().map((row) => JSON.parse(String(row['doc']))),
      results: db.prepare('SELECT doc FROM action_results').all().map((row) => JSON.parse(String(row['doc']))),
    };
  }

  /** Lost and duplicate effects of the published events, checked against the store. */
  async tally(): Promise<Tally> {
    const { tasks, executions, results } = await this.#counted();
    const tasksPerEvent = new Map<string, number>();
    for (const task of tasks) tasksPerEvent.set(task.event_id, (tasksPerEvent.get(task.event_id) ?? 0) + 1);
    const executionsPerEvent = new Map<string, number>();
    let redeliveredExecutions = 0;
    let redeliveredActions = 0;
    for (const doc of executions) {
      executionsPerEvent.set(doc.event_id, (executionsPerEvent.get(doc.event_id) ?? 0) + 1);
      if ((doc.deliveries ?? 1) > 1) redeliveredExecutions += 1;
    }
    // Action outcomes are records of their own, by command id.
    for (const result of results) if ((result.deliveries ?? 1) > 1) redeliveredActions += 1;
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

  /**
   * Waits until nothing is left to do: the work queues hold no ready message and every running
   * worker holds none in flight (its /metrics), twice in a row. Then a late duplicate effect
   * would already be in the store, without guessing how long one might take.
   */
  async waitUntilIdle(timeoutMs = 30_000): Promise<void> {
    const topology = defineTopology(this.namespace, RETRY);
    let quietChecks = 0;
    await eventually(async () => {
      const connection = await amqplib.connect(this.#amqpUrl);
      let ready = 0;
      try {
        const channel = await connection.createChannel();
        for (const subscription of ['engine.events', 'executor.actions'] as const) ready += (await channel.checkQueue(topology.subscriptions[subscription].queue)).messageCount;
      } finally {
        await connection.close();
      }
      let inFlight = 0;
      for (const role of this.roles.filter((r) => r.child.exitCode === null && r.child.signalCode === null)) {
        const port = /"healthPort":(\d+)/.exec(role.output())?.[1];
        if (port) inFlight += sampleSum(await scrape(`http://127.0.0.1:${port}/metrics`), 'flowline_consumer_in_flight');
      }
      quietChecks = ready === 0 && inFlight === 0 ? quietChecks + 1 : 0;
      return quietChecks >= 2 ? true : undefined;
    }, timeoutMs, 100);
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

  #mongoDb(): Promise<Db> {
    const { url, database } = this.store.mongodb!;
    this.#mongo ??= new MongoClient(url).connect().then((client) => ({ client, db: client.db(database) }));
    return this.#mongo.then(({ db }) => db);
  }

  #reader(): DatabaseSync {
    this.#db ??= new DatabaseSync(this.sqlitePath, { readOnly: true, timeout: 5000 });
    return this.#db;
  }

  async close(): Promise<void> {
    await Promise.all(this.roles.map((role) => (role.child.exitCode === null && role.child.signalCode === null ? role.stop() : undefined)));
    await this.#connection?.close().catch(() => {});
    this.#db?.close();
    await (await this.#mongo?.catch(() => undefined))?.client.close();
    await deleteNamespace(this.#amqpUrl, this.namespace, RETRY).catch(() => {});
    await this.store.remove();
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

/**
 * Waits (polling) until `value()` reaches `target`. A poll that took d ms is repeated after 5·d at the soonest:
 * counting the effects is a collection scan on the MongoDB-wire test server (about a second at 5,000 tasks on a
 * busy machine), and polled every 50 ms it took the whole server away from the workers under test.
 */
export async function eventuallyAtLeast(value: () => number | Promise<number>, target: number, timeoutMs = Math.max(60_000, VOLUME.events * 30), minIntervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      last = await value();
      if (Number(last) >= target) return;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(minIntervalMs, 5 * (Date.now() - started))));
  }
  throw new Error(`${target} not reached within ${timeoutMs} ms (last: ${String(last)})`);
}
