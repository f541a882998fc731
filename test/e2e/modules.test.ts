import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, deleteNamespace, eventually, startInProcess, tempDir, uniqueNamespace, type InProcessFlowline } from '../support/harness.ts';

let flowline: InProcessFlowline;
const dir = tempDir();
const namespace = uniqueNamespace('modules');
const amqpUrl = inject('amqpUrl');

beforeAll(async () => {
  flowline = await startInProcess({ amqpUrl, namespace, sqlitePath: `${dir.path}/flowline.db` });
});
afterAll(async () => {
  await flowline.stop();
  await deleteNamespace(amqpUrl, namespace);
  dir.remove();
});

type Api = ReturnType<typeof client>;
const OPPORTUNITY = { name: 'Analytical engine', currency: 'USD', owner: 'charles@example.com' };

async function createRule(api: Api, rule: unknown): Promise<string> {
  const res = await api.post('/api/v1/automation/rules', rule);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function executionsOf(api: Api, ruleId: string): Promise<any[]> {
  return (await api.get(`/api/v1/automation/executions?rule_id=${ruleId}`)).body;
}

/** Waits until the rule has `count` executions whose actions are all done, and returns them. */
function settledExecutions(api: Api, ruleId: string, count: number): Promise<any[]> {
  return eventually(async () => {
    const executions = await executionsOf(api, ruleId);
    const done = executions.every((e) => e.actions.every((a: { status: string }) => a.status !== 'pending'));
    return executions.length === count && done ? executions : undefined;
  });
}

describe('the Sales module raises its triggers from committed changes', () => {
  it("when an opportunity of 25000 is created for a tenant with the spec's rule, then exactly one notification, without POST /events", async () => {
    const api = client(flowline.baseUrl, 'spec-corp');
    const ruleId = await createRule(api, HIGH_VALUE_DEAL_ALERT);

    const created = await api.post('/api/v1/sales/opportunities', { ...OPPORTUNITY, value: 25000 });
    expect(created.status).toBe(201);

    const [execution] = await settledExecutions(api, ruleId, 1);
    expect(execution).toMatchObject({ matched: true, trigger_id: 'high_value_opportunity', actions: [{ status: 'succeeded' }] });
    const notifications = (await api.get('/api/v1/notifications')).body;
    expect(notifications).toHaveLength(1);
    expect(notifications[0].message).toBe('New high-value opportunity: Analytical engine - $25000');
  });

  it('when the value goes 9000 → 12000, then one high_value_opportunity; a later edit to 13000 raises none', async () => {
    const api = client(flowline.baseUrl, 'crossing-corp');
    const highValue = await createRule(api, { ...HIGH_VALUE_DEAL_ALERT, conditions: [] });
    const stageChanged = await createRule(api, {
      ...HIGH_VALUE_DEAL_ALERT,
      name: 'Stage watcher',
      trigger_id: 'opportunity_stage_changed',
      conditions: [],
    });

    const opportunity = (await api.post('/api/v1/sales/opportunities', { ...OPPORTUNITY, value: 9000 })).body;
    expect((await api.request('PATCH', `/api/v1/sales/opportunities/${opportunity.id}`, { version: 1, value: 12000 })).status).toBe(200);
    await settledExecutions(api, highValue, 1);

    expect((await api.request('PATCH', `/api/v1/sales/opportunities/${opportunity.id}`, { version: 2, value: 13000 })).status).toBe(200);
    // A later stage change is the barrier: once it has been processed, so has anything queued before it.
    expect((await api.request('PATCH', `/api/v1/sales/opportunities/${opportunity.id}`, { version: 3, stage: 'negotiation' })).status).toBe(200);
    await settledExecutions(api, stageChanged, 1);
    expect(await executionsOf(api, highValue)).toHaveLength(1);
  });
});
