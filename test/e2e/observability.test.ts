import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createMessageBus, eventRoutingKey, HEADERS, type MessageBus } from '@flowline/messaging';
import { HIGH_VALUE_DEAL_ALERT, client, highValueEnvelope, deleteNamespace, eventually, separateProcessEnv, spawnRole, tempDir, uniqueNamespace, waitForLog, type RoleProcess } from '../support/harness.ts';
import { sampleSum, scrape } from '../support/prometheus-text.ts';

/*
 * The foundation's example flow through api, engine and executor as three OS processes: each
 * serves /metrics (the api on its port, the workers on their health port) and the counters move;
 * one W3C trace id follows the event through all three logs.
 */
const amqpUrl = inject('amqpUrl');
const namespace = uniqueNamespace('obs');
const dir = tempDir();
const TENANT = 'acme-corp';
const env = separateProcessEnv({ amqpUrl, namespace, sqlitePath: `${dir.path}/shared.db` }, { METRICS_TENANT_LABELS: TENANT });
let api: RoleProcess;
let engine: RoleProcess;
let executor: RoleProcess;
let apiUrl = '';
let engineUrl = '';
let executorUrl = '';
let bus: MessageBus;

const portIn = (role: RoleProcess, key: string) => /"(?:port|healthPort)":(\d+)/.exec(role.output().split('\n').find((l) => l.includes(key)) ?? '')?.[1];

beforeAll(async () => {
  engine = spawnRole('engine', env);
  executor = spawnRole('executor', env);
  await Promise.all([waitForLog(engine, 'engine started'), waitForLog(executor, 'executor started')]);
  api = spawnRole('api', env);
  await waitForLog(api, 'api listening');
  apiUrl = `http://127.0.0.1:${portIn(api, 'api listening')}`;
  engineUrl = `http://127.0.0.1:${portIn(engine, 'engine started')}`;
  executorUrl = `http://127.0.0.1:${portIn(executor, 'executor started')}`;
  bus = await createMessageBus({ amqpUrl, namespace });
}, 60_000);

afterAll(async () => {
  await bus?.close();
  await Promise.all([api, engine, executor].filter(Boolean).map((r) => r.stop()));
  await deleteNamespace(amqpUrl, namespace);
  dir.remove();
});

describe('metrics and tracing across roles', () => {
  it('when the High Value Deal Alert runs, then /metrics of api, engine and executor show the counters moving', async () => {
    const acme = client(apiUrl, TENANT);
    expect((await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).status).toBe(201);
    const before = { engine: await scrape(`${engineUrl}/metrics`), executor: await scrape(`${executorUrl}/metrics`) };
    expect(sampleSum(before.engine, 'flowline_events_consumed_total')).toBe(0);

    await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } });
    await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o2', opportunity_name: 'Small', value: 5000 } });
    await client(apiUrl, 'globex').post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'g', value: 1 } });

    const executorText = await eventually(async () => {
      const text = await scrape(`${executorUrl}/metrics`);
      return sampleSum(text, 'flowline_actions_executed_total') >= 1 ? text : undefined;
    });
    const engineText = await eventually(async () => {
      const text = await scrape(`${engineUrl}/metrics`);
      return sampleSum(text, 'flowline_events_consumed_total') >= 3 ? text : undefined;
    });

    const sales = { module: 'sales', trigger: 'high_value_opportunity' };
    expect(sampleSum(engineText, 'flowline_events_consumed_total', { ...sales, tenant: TENANT, outcome: 'processed' })).toBe(2);
    // globex is not on METRICS_TENANT_LABELS: counted, but as "other".
    expect(sampleSum(engineText, 'flowline_events_consumed_total', { ...sales, tenant: 'other', outcome: 'processed' })).toBe(1);
    expect(engineText).not.toContain('tenant="globex"');
    expect(sampleSum(engineText, 'flowline_rules_evaluated_total', { ...sales, tenant: TENANT })).toBe(2);
    expect(sampleSum(engineText, 'flowline_rules_matched_total', { ...sales, tenant: TENANT })).toBe(1);
    expect(sampleSum(engineText, 'flowline_processing_duration_seconds_count', { stage: 'engine', outcome: 'processed' })).toBe(3);
    expect(sampleSum(engineText, 'flowline_consumer_prefetch', { queue: `${namespace}.engine.events` })).toBe(64);
    expect(sampleSum(engineText, 'flowline_broker_connected')).toBe(1);
    expect(engineText).toContain('nodejs_heap_size_used_bytes');
    expect(engineText).toContain('service="engine"');

    expect(sampleSum(executorText, 'flowline_actions_executed_total', { action_type: 'send_notification', tenant: TENANT, outcome: 'succeeded' })).toBe(1);
    expect(sampleSum(executorText, 'flowline_end_to_end_latency_seconds_count', { action_type: 'send_notification' })).toBe(1);
    expect(sampleSum(executorText, 'flowline_processing_duration_seconds_count', { stage: 'executor', outcome: 'succeeded' })).toBe(1);

    // Each worker reports the backlog of its own stage's queues (polled when it starts consuming, then every BACKLOG_POLL_MS).
    expect(engineText).toMatch(new RegExp(`^flowline_queue_messages_ready\\{queue="${namespace}\\.engine\\.events",stage="engine"`, 'm'));
    expect(engineText).not.toContain(`flowline_queue_messages_ready{queue="${namespace}.executor.actions"`);
    expect(executorText).toMatch(new RegExp(`^flowline_queue_messages_ready\\{queue="${namespace}\\.executor\\.actions",stage="executor"`, 'm'));

    const apiText = await scrape(`${apiUrl}/metrics`);
    expect(apiText).toContain('service="api"');
    expect(apiText).not.toContain('flowline_queue_messages_ready{');
    expect(sampleSum(apiText, 'flowline_broker_connected')).toBe(1);
  });

  it('when a bad event is published, then the engine counts it dead-lettered as permanent and logs it with its trace id', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    await bus.publish('event', {
      routingKey: eventRoutingKey('sales', 'high_value_opportunity'),
      messageId: randomUUID(),
      headers: { [HEADERS.tenantId]: TENANT, traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: 'not an envelope',
    });
    const text = await eventually(async () => {
      const t = await scrape(`${engineUrl}/metrics`);
      return sampleSum(t, 'flowline_messages_dead_lettered_total') >= 1 ? t : undefined;
    });
    expect(sampleSum(text, 'flowline_messages_dead_lettered_total', { queue: `${namespace}.engine.events`, kind: 'permanent' })).toBe(1);
    expect(sampleSum(text, 'flowline_events_consumed_total', { module: 'unknown', outcome: 'error' })).toBe(1);
    // The log line reaches this process through a pipe, possibly after the metric: waited for.
    const line = await eventually(async () => engine.output().split('\n').find((l) => l.includes(traceId)));
    expect(JSON.parse(line)).toMatchObject({ msg: 'message dead-lettered', trace_id: traceId, reason: expect.stringContaining('body does not match the contract') });
  });

  it('when an event is more action hops deep than the loop guard allows, then the engine counts it loop-guarded', async () => {
    await bus.publish('event', {
      routingKey: eventRoutingKey('sales', 'high_value_opportunity'),
      messageId: randomUUID(),
      headers: { [HEADERS.tenantId]: TENANT },
      body: highValueEnvelope(TENANT, {
        data: { opportunity_id: 'deep', value: 99999 },
        correlation_id: 'deep-chain',
        causation_id: randomUUID(),
        causation_depth: 6,
      }),
    });
    const text = await eventually(async () => {
      const t = await scrape(`${engineUrl}/metrics`);
      return sampleSum(t, 'flowline_loop_guarded_total') >= 1 ? t : undefined;
    });
    expect(sampleSum(text, 'flowline_loop_guarded_total', { module: 'sales', trigger: 'high_value_opportunity', tenant: TENANT, reason: 'causation_depth' })).toBe(1);
  });

  it('when a request carries a traceparent, then its trace id is in the api, engine and executor log lines of that event', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const acme = client(apiUrl, TENANT);
    const response = await acme.post(
      '/api/v1/events',
      { type: 'high_value_opportunity', data: { opportunity_id: 'o3', opportunity_name: 'Traced', value: 30000 } },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(response.status).toBe(202);
    expect(response.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // Complete lines only: the last chunk of a process's output may end mid-line.
    const linesWith = (role: RoleProcess) =>
      role.output().split('\n').slice(0, -1).filter((l) => l.includes(traceId)).map((l) => JSON.parse(l));
    // The engine logs "event processed" once the commands are confirmed, which can be after the
    // executor has run them: wait for all three.
    const [apiLines, engineLines, executorLines] = await eventually(async () => {
      const lines: [any[], any[], any[]] = [linesWith(api), linesWith(engine), linesWith(executor)];
      const has = (found: any[], msg: string) => found.some((l) => l.msg === msg);
      return has(lines[0], 'event accepted') && has(lines[1], 'event processed') && has(lines[2], 'action executed') ? lines : undefined;
    });
    // One trace, a span of its own per hop.
    const spans = new Set([...apiLines, ...engineLines, ...executorLines].map((l) => l.span_id));
    expect(spans.size).toBe(3);
    expect(spans).not.toContain('00f067aa0ba902b7');
    expect(executorLines[0]).toMatchObject({ trace_id: traceId, event_id: response.body.id, tenant_id: TENANT });
  });

  it('when a request has no traceparent, then a new trace starts and still reaches the executor', async () => {
    const response = await client(apiUrl, TENANT).post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o4', opportunity_name: 'Untraced', value: 40000 } });
    const traceId = /^00-([0-9a-f]{32})-/.exec(response.headers.get('traceparent') ?? '')?.[1];
    expect(traceId).toBeDefined();
    // The engine may log after the executor (it logs once the commands are confirmed): wait for both.
    const logged = (role: RoleProcess) => role.output().includes(`"trace_id":"${traceId}"`);
    await eventually(async () => (logged(executor) && logged(engine) ? true : undefined));
  });

  it('when an entity change raises events through the outbox, then the engine and executor continue the trace of the request', async () => {
    const traceId = randomUUID().replaceAll('-', '');
    const response = await client(apiUrl, TENANT).post(
      '/api/v1/sales/opportunities',
      { name: 'Outboxed', value: 50000, currency: 'USD', stage: 'prospecting', owner: 'rep@acme.test' },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    expect(response.status).toBe(201);
    // high_value_opportunity waits in the outbox; the relay publishes it with the trace header.
    const logged = (role: RoleProcess, msg: string) =>
      role
        .output()
        .split('\n')
        .slice(0, -1)
        .some((l) => l.includes(`"trace_id":"${traceId}"`) && l.includes(`"msg":"${msg}"`));
    await eventually(async () => (logged(engine, 'event processed') && logged(executor, 'action executed') ? true : undefined));
  });
});
