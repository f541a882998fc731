import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { client, deleteNamespace, eventually, spawnRole, tempDir, uniqueNamespace, waitForLog, type RoleProcess } from '../support/harness.ts';

/*
 * Two engines (separate processes, each with its own rule cache) and the api. The cache TTL is
 * an hour, so a change can only reach an engine through the rule-changes broadcast. Which engine
 * handled an event, and what it decided, is read from its "event processed" log line.
 */
const amqpUrl = inject('amqpUrl');
const namespace = uniqueNamespace('cache');
const dir = tempDir();
const env = {
  AMQP_URL: amqpUrl,
  FLOWLINE_NAMESPACE: namespace,
  SQLITE_PATH: `${dir.path}/shared.db`,
  PORT: '0',
  HOST: '127.0.0.1',
  ENGINE_HEALTH_PORT: '0',
  PREFETCH: '1',
  RULE_CACHE_TTL_MS: '3600000',
};
const engines: RoleProcess[] = [];
let api: RoleProcess;
let baseUrl = '';

beforeAll(async () => {
  engines.push(spawnRole('engine', env), spawnRole('engine', env));
  await Promise.all(engines.map((engine) => waitForLog(engine, 'started')));
  api = spawnRole('api', env);
  await waitForLog(api, 'api listening');
  baseUrl = `http://127.0.0.1:${/"port":(\d+)/.exec(api.output())?.[1]}`;
}, 60_000);

afterAll(async () => {
  await Promise.all([...engines, api].map((role) => role.stop()));
  await deleteNamespace(amqpUrl, namespace);
  dir.remove();
});

interface Decision {
  rules: number;
  matched: number;
}

/** What each engine decided for the event, once one of them has processed it. */
function decisionOf(engine: RoleProcess, eventId: string): Decision | undefined {
  for (const line of engine.output().split('\n')) {
    if (!line.includes(eventId) || !line.includes('event processed')) continue;
    const entry = JSON.parse(line) as { event_id: string; rules: number; matched: number };
    if (entry.event_id === eventId) return { rules: entry.rules, matched: entry.matched };
  }
  return undefined;
}

describe('rule cache invalidation across engines', () => {
  const acme = () => client(baseUrl, 'acme-corp');
  let sequence = 0;

  /** Sends one event worth 5,000 and returns which engine processed it and what it decided. */
  const sendEvent = async (): Promise<{ engine: number; decision: Decision }> => {
    const res = await acme().post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: `o${sequence++}`, value: 5000 } });
    expect(res.status).toBe(202);
    return eventually(async () => {
      for (const [index, engine] of engines.entries()) {
        const decision = decisionOf(engine, res.body.id);
        if (decision) return { engine: index, decision };
      }
      return undefined;
    });
  };

  /**
   * Sends events until every engine has shown `wanted`; from then on an engine must never go
   * back (an engine that saw the change once keeps it).
   */
  const untilEveryEngine = async (wanted: (d: Decision) => boolean, what: string): Promise<void> => {
    const reached = new Set<number>();
    for (let attempt = 0; attempt < 200 && reached.size < engines.length; attempt += 1) {
      const { engine, decision } = await sendEvent();
      if (wanted(decision)) reached.add(engine);
      else expect(reached.has(engine), `engine ${engine} went back after ${what}`).toBe(false);
    }
    expect([...reached].sort(), `engines that showed ${what}`).toEqual(engines.map((_, i) => i));
  };

  it('when a rule is edited and then disabled, then every running engine applies the new version and then stops firing it', async () => {
    const created = await acme().post('/api/v1/automation/rules', {
      name: 'Big deals',
      module_type: 'sales',
      trigger_id: 'high_value_opportunity',
      conditions: [{ type: 'value_threshold', value: 10000 }],
      actions: [{ type: 'send_notification', parameters: { recipient: 'a@example.com', message: 'deal {{opportunity_id}}' } }],
    });
    expect(created.status).toBe(201);
    // Both engines cache the first version: it does not match a 5,000 deal.
    await untilEveryEngine((d) => d.rules === 1 && d.matched === 0, 'the first version cached');

    const updated = await acme().patch(`/api/v1/automation/rules/${created.body.id}`, { conditions: [{ type: 'value_threshold', value: 1000 }] });
    expect(updated.status).toBe(200);
    await untilEveryEngine((d) => d.rules === 1 && d.matched === 1, 'the lowered threshold');

    const toggled = await acme().put(`/api/v1/automation/rules/${created.body.id}/toggle?is_active=false`);
    expect(toggled.status).toBe(200);
    await untilEveryEngine((d) => d.rules === 0, 'the rule disabled');
  });
});
