import { createHash, randomUUID } from 'node:crypto';
import amqplib from 'amqplib';
import { describe, expect, inject, it } from 'vitest';
import { defineTopology, eventRoutingKey, HEADERS, type DeadLetter } from '@flowline/messaging';
import { client, eventually, highValueEnvelope, useInProcessFlowline } from '../support/harness.ts';

/*
 * Oversized header material, over HTTP and straight onto the exchange: each kind is refused or
 * dead-lettered once with a bounded reason, and another tenant's events keep flowing at once.
 */
const amqpUrl = inject('amqpUrl');
const running = useInProcessFlowline('wire-bounds');
const { namespace } = running;

const TASK_RULE = {
  name: 'task per deal',
  module_type: 'sales',
  trigger_id: 'high_value_opportunity',
  conditions: [],
  actions: [{ type: 'create_task', parameters: { title: 'follow up {{opportunity_id}}' } }],
};

async function problemOf(response: { status: number; body: any; headers: Headers }) {
  return { status: response.status, type: response.headers.get('content-type'), code: response.body?.code, size: JSON.stringify(response.body).length };
}

describe('oversized header material over HTTP', () => {
  it('when events carry an overlong time, source, id, tenant header or thousands of unknown keys, then each is a small 4xx problem and nothing is published', async () => {
    const tenant = `http-${randomUUID().slice(0, 6)}`;
    const api = client(running.current.baseUrl, tenant);
    const data = { opportunity_id: 'o1', value: 50_000 };
    const cases: Array<[string, Promise<any>, number]> = [
      ['time with 100k fractional digits', api.post('/api/v1/events', { type: 'high_value_opportunity', data, time: `2026-01-01T00:00:00.${'1'.repeat(100_000)}Z` }), 400],
      ['time that is no date', api.post('/api/v1/events', { type: 'high_value_opportunity', data, time: '2026-02-30T00:00:00Z' }), 400],
      ['source of 100 kB', api.post('/api/v1/events', { type: 'high_value_opportunity', data, source: 's'.repeat(100_000) }), 400],
      ['id that is no UUID', api.post('/api/v1/events', { type: 'high_value_opportunity', data, id: 'i'.repeat(10_000) }), 400],
      ['5,000 unknown keys', api.post('/api/v1/events', { type: 'high_value_opportunity', data, ...Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, 1])) }), 400],
      ['body over 256 KiB', api.post('/api/v1/events', { type: 'high_value_opportunity', data: { ...data, notes: 'n'.repeat(300_000) } }), 413],
      ['tenant header of 10 kB', client(running.current.baseUrl, 't'.repeat(10_000)).post('/api/v1/events', { type: 'high_value_opportunity', data }), 400],
    ];
    for (const [kind, pending, status] of cases) {
      const problem = await problemOf(await pending);
      expect({ kind, ...problem }).toMatchObject({ kind, status, type: expect.stringContaining('application/problem+json') });
      expect(problem.size, kind).toBeLessThan(8 * 1024);
    }

    // A body just within the api's 256 KiB whose envelope is not: the same limit as the wire, as a 413.
    const base = JSON.stringify({ type: 'high_value_opportunity', data: { ...data, notes: '' } });
    const edge = await api.post('/api/v1/events', { type: 'high_value_opportunity', data: { ...data, notes: 'n'.repeat(256 * 1024 - base.length - 10) } });
    expect([edge.status, edge.body.code, edge.body.detail]).toEqual([413, 'payload_too_large', expect.stringContaining('over the 262144-byte limit')]);

    // A correlation id that could not be an AMQP property is replaced, not echoed onto the wire.
    const long = await api.post('/api/v1/events', { type: 'high_value_opportunity', data }, { 'x-correlation-id': 'c'.repeat(10_000) });
    expect(long.status).toBe(202);
    expect(long.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('oversized header material straight onto the exchange', () => {
  it('when each oversized kind is published to the events exchange, then each is dead-lettered exactly once with its reason and another tenant flows at once', async () => {
    const victim = `victim-${randomUUID().slice(0, 6)}`;
    const other = `other-${randomUUID().slice(0, 6)}`;
    const otherApi = client(running.current.baseUrl, other);
    await client(running.current.baseUrl, victim).post('/api/v1/automation/rules', TASK_RULE);
    expect((await otherApi.post('/api/v1/automation/rules', TASK_RULE)).status).toBe(201);

    const exchange = defineTopology(namespace).publications.event.exchange;
    const routingKey = eventRoutingKey('sales', 'high_value_opportunity');
    const manyKeys = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`unknown_key_${i}`, i]));
    const poison: Record<string, { body: Record<string, unknown> | Buffer; headers?: Record<string, unknown>; reason: RegExp }> = {
      'time of 60 kB': { body: highValueEnvelope(victim, { time: `2026-01-01T00:00:00.${'1'.repeat(60_000)}Z` }), reason: /time: / },
      'correlation id of 60 kB': { body: highValueEnvelope(victim, { correlation_id: 'c'.repeat(60_000) }), reason: /correlation_id: / },
      'causation id of 60 kB': { body: highValueEnvelope(victim, { causation_id: 'c'.repeat(60_000) }), reason: /causation_id: / },
      'id of 60 kB': { body: highValueEnvelope(victim, { id: 'i'.repeat(60_000) }), reason: /id: / },
      '5,000 unknown keys': { body: { ...highValueEnvelope(victim), ...manyKeys }, reason: /Unrecognized keys/ },
      'six bad fields': {
        body: highValueEnvelope(victim, { causation_depth: -1, time: 'x', source: '', correlation_id: '', module_type: 'x'.repeat(1000) }),
        reason: /does not match the contract/,
      },
      'body over 256 KiB': { body: highValueEnvelope(victim, { data: { opportunity_id: 'o', value: 50_000, notes: 'n'.repeat(300_000) } }), reason: /over the 262144-byte limit/ },
      'tenant header as an array': { body: highValueEnvelope(victim), headers: { [HEADERS.tenantId]: [victim, other] }, reason: /must be one string, not an array/ },
      'tenant header in capitals naming another tenant': { body: highValueEnvelope(victim), headers: { 'X-Tenant-ID': other }, reason: /does not match body tenant_id/ },
      'tenant header of 20 kB': { body: highValueEnvelope(victim), headers: { [HEADERS.tenantId]: 't'.repeat(20_000) }, reason: /does not match body tenant_id/ },
      '__proto__ in data': { body: Buffer.from(JSON.stringify(highValueEnvelope(victim)).replace('"data":{', '"data":{"__proto__":{"polluted":true},')), reason: /data\.__proto__: forbidden key/ },
      'a 60 kB header of its own and an unknown trigger': {
        body: highValueEnvelope(victim, { type: 'no_such_trigger' }),
        headers: { 'x-junk': 'j'.repeat(60_000) },
        reason: /unknown trigger/,
      },
    };

    const connection = await amqplib.connect(amqpUrl);
    const channel = await connection.createConfirmChannel();
    const kindOf = new Map<string, string>();
    try {
      for (const [kind, message] of Object.entries(poison)) {
        const messageId = randomUUID();
        const content = Buffer.isBuffer(message.body) ? message.body : Buffer.from(JSON.stringify(message.body));
        kindOf.set(digest(content), kind);
        channel.publish(exchange, routingKey, content, { persistent: true, messageId, contentType: 'application/json', headers: message.headers ?? { [HEADERS.tenantId]: victim } });
      }
      await channel.waitForConfirms();
    } finally {
      await connection.close();
    }

    // Another tenant's event goes through at once, behind all of them.
    const started = Date.now();
    const good = await otherApi.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'fine', value: 50_000 } });
    expect(good.status).toBe(202);
    await eventually(async () => ((await otherApi.get('/api/v1/tasks')).body.items.length === 1 ? true : undefined), 10_000);
    expect(Date.now() - started).toBeLessThan(5000);

    const deadLetters: DeadLetter[] = [];
    await eventually(async () => {
      deadLetters.push(...(await running.current.bus.takeDeadLetters('engine.events', 100)));
      return deadLetters.length >= kindOf.size ? true : undefined;
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    deadLetters.push(...(await running.current.bus.takeDeadLetters('engine.events', 100)));

    const byKind = new Map<string, DeadLetter[]>();
    for (const letter of deadLetters) {
      const kind = kindOf.get(digest(letter.content)) ?? `unexpected ${letter.reason}`;
      byKind.set(kind, [...(byKind.get(kind) ?? []), letter]);
    }
    expect([...byKind.keys()].sort()).toEqual([...kindOf.values()].sort());
    for (const [kind, letters] of byKind) {
      expect(letters.length, kind).toBe(1);
      const [letter] = letters;
      expect(letter!.reason, kind).toMatch(poison[kind]!.reason);
      expect(Buffer.byteLength(letter!.reason), kind).toBeLessThanOrEqual(1024);
      expect(letter!.headers[HEADERS.attempts], kind).toBe(1);
    }
    expect(byKind.get('5,000 unknown keys')![0]!.reason).toMatch(/… \[\d+ chars\]$/);
    expect(byKind.get('a 60 kB header of its own and an unknown trigger')![0]!.headers).toMatchObject({ [HEADERS.headersDropped]: expect.any(Number) });
    expect(byKind.get('six bad fields')![0]!.reason).toMatch(/; and \d+ more$/);
    // None of the victim's poison made a task.
    expect((await client(running.current.baseUrl, victim).get('/api/v1/tasks')).body.items).toEqual([]);
  });
});

/** Dead letters are told apart by their bodies: a fallback copy keeps none of a publisher's own headers. */
function digest(content: Buffer): string {
  return createHash('sha1').update(content).digest('hex');
}

describe('event ids', () => {
  it('when the same event id arrives again in upper case, then it is the same event: one execution and one task', async () => {
    const tenant = `ids-${randomUUID().slice(0, 6)}`;
    const api = client(running.current.baseUrl, tenant);
    await api.post('/api/v1/automation/rules', TASK_RULE);
    const id = randomUUID();
    const data = { opportunity_id: 'o-case', value: 50_000 };

    const first = await api.post('/api/v1/events', { type: 'high_value_opportunity', data, id });
    const second = await api.post('/api/v1/events', { type: 'high_value_opportunity', data, id: id.toUpperCase() });
    await eventually(async () => ((await api.get('/api/v1/tasks')).body.items.length >= 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 500));

    expect([first.body.id, second.body.id]).toEqual([id, id]);
    expect((await api.get(`/api/v1/automation/executions?event_id=${id}`)).body.items).toHaveLength(1);
    expect((await api.get('/api/v1/tasks')).body.items).toHaveLength(1);
  });
});
