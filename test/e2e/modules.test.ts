import { describe, expect, it } from 'vitest';
import { HIGH_VALUE_DEAL_ALERT, client, eventually, useInProcessFlowline } from '../support/harness.ts';

const flowline = useInProcessFlowline('modules');

type Api = ReturnType<typeof client>;
const OPPORTUNITY = { name: 'Analytical engine', currency: 'USD', owner: 'charles@example.com' };

async function createRule(api: Api, rule: unknown): Promise<string> {
  const res = await api.post('/api/v1/automation/rules', rule);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

async function executionsOf(api: Api, ruleId: string): Promise<any[]> {
  return (await api.get(`/api/v1/automation/executions?rule_id=${ruleId}`)).body.items;
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
    const api = client(flowline.current.baseUrl, 'spec-corp');
    const ruleId = await createRule(api, HIGH_VALUE_DEAL_ALERT);

    const created = await api.post('/api/v1/sales/opportunities', { ...OPPORTUNITY, value: 25000 });
    expect(created.status).toBe(201);

    const [execution] = await settledExecutions(api, ruleId, 1);
    expect(execution).toMatchObject({ matched: true, trigger_id: 'high_value_opportunity', actions: [{ status: 'succeeded' }] });
    const notifications = (await api.get('/api/v1/notifications')).body.items;
    expect(notifications).toHaveLength(1);
    expect(notifications[0].message).toBe('New high-value opportunity: Analytical engine - $25000');
  });

  it('when the value goes 9000 → 12000, then one high_value_opportunity; a later edit to 13000 raises none', async () => {
    const api = client(flowline.current.baseUrl, 'crossing-corp');
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

describe('update_status and change conditions chain rules together', () => {
  it('when a deal is closed won, then contact C becomes customer, a changed_to rule creates a task, and the chain shares one correlation id', async () => {
    const api = client(flowline.current.baseUrl, 'chain-corp');
    const contact = (await api.post('/api/v1/crm/contacts', { name: 'Grace Hopper', email: 'grace@example.com', status: 'lead' })).body;
    const opportunity = (await api.post('/api/v1/sales/opportunities', { ...OPPORTUNITY, value: 500, stage: 'negotiation' })).body;
    const wonRule = await createRule(api, {
      name: 'Won deal makes the contact a customer',
      module_type: 'sales',
      trigger_id: 'deal_closed_won',
      actions: [{ type: 'update_status', parameters: { entity_type: 'contact', entity_id: contact.id, new_status: 'customer' } }],
    });
    const taskRule = await createRule(api, {
      name: 'Onboard new customers',
      module_type: 'crm',
      trigger_id: 'contact_status_changed',
      conditions: [{ type: 'changed_to', field: 'status', value: 'customer' }],
      actions: [{ type: 'create_task', parameters: { title: 'Onboard {{contact_name}} ({{email}})' } }],
    });

    const won = await api.request('PATCH', `/api/v1/sales/opportunities/${opportunity.id}`, { version: 1, stage: 'closed_won' }, { 'x-correlation-id': 'deal-won-1' });
    expect(won.status).toBe(200);

    const [first] = await settledExecutions(api, wonRule, 1);
    const [second] = await settledExecutions(api, taskRule, 1);
    expect(first).toMatchObject({ trigger_id: 'deal_closed_won', matched: true, correlation_id: 'deal-won-1', actions: [{ type: 'update_status', status: 'succeeded' }] });
    expect(second).toMatchObject({
      trigger_id: 'contact_status_changed',
      matched: true,
      correlation_id: 'deal-won-1',
      conditions: [{ type: 'changed_to', actual: { old: 'lead', new: 'customer' }, passed: true }],
      actions: [{ type: 'create_task', status: 'succeeded' }],
    });
    expect((await api.get(`/api/v1/crm/contacts/${contact.id}`)).body).toMatchObject({ status: 'customer', version: 2 });
    expect((await api.get('/api/v1/tasks')).body.items.map((t: { title: string }) => t.title)).toEqual(['Onboard Grace Hopper (grace@example.com)']);
  });

  it("when update_status names an unknown id or another tenant's contact, then the action fails with its reason and nothing changes", async () => {
    const other = client(flowline.current.baseUrl, 'victim-corp');
    const victim = (await other.post('/api/v1/crm/contacts', { name: 'Victim', email: 'v@example.com', status: 'lead' })).body;
    const api = client(flowline.current.baseUrl, 'attacker-corp');
    const ruleId = await createRule(api, {
      name: 'Reach across tenants',
      module_type: 'sales',
      trigger_id: 'opportunity_created',
      actions: [
        { type: 'update_status', parameters: { entity_id: victim.id, new_status: 'hacked' } },
        { type: 'update_status', parameters: { entity_type: 'lead', entity_id: 'no-such-lead', new_status: 'hacked' } },
      ],
    });
    await api.post('/api/v1/sales/opportunities', { ...OPPORTUNITY, value: 1 });

    const [execution] = await settledExecutions(api, ruleId, 1);
    expect(execution.actions).toMatchObject([
      { status: 'failed', error: expect.stringContaining(`entity not found: contact, lead or opportunity '${victim.id}' in tenant 'attacker-corp'`) },
      { status: 'failed', error: expect.stringContaining("entity not found: lead 'no-such-lead'") },
    ]);
    expect((await other.get(`/api/v1/crm/contacts/${victim.id}`)).body).toEqual(victim);
  });
});

describe('loop guard', () => {
  it('when two rules set a status back and forth, then the chain stops past depth 5 with loop_guard executions', async () => {
    const api = client(flowline.current.baseUrl, 'loop-corp');
    const contact = (await api.post('/api/v1/crm/contacts', { name: 'Ping Pong', email: 'pp@example.com', status: 'idle' })).body;
    const flip = (from: string, to: string) => ({
      name: `${from} to ${to}`,
      module_type: 'crm',
      trigger_id: 'contact_status_changed',
      conditions: [{ type: 'changed_to', field: 'status', value: from }],
      actions: [{ type: 'update_status', parameters: { entity_id: contact.id, new_status: to } }],
    });
    const pingRule = await createRule(api, flip('ping', 'pong'));
    const pongRule = await createRule(api, flip('pong', 'ping'));

    await api.request('PATCH', `/api/v1/crm/contacts/${contact.id}`, { version: 1, status: 'ping' });

    // Depths 0 to 5 are evaluated by both rules, each matching every other one (only matches leave an
    // execution); the depth-6 event gets a loop_guard execution per rule.
    const [pings, pongs] = await Promise.all([settledExecutions(api, pingRule, 4), settledExecutions(api, pongRule, 4)]);
    const all = [...pings, ...pongs];
    expect(all.filter((e) => e.outcome === 'loop_guard')).toHaveLength(2);
    expect(all.filter((e) => e.outcome === 'matched')).toHaveLength(6);
    for (const guarded of all.filter((e) => e.outcome === 'loop_guard')) {
      expect(guarded).toMatchObject({ matched: false, actions: [], notes: [expect.stringContaining('causation depth 6 exceeds the limit of 5')] });
    }
    expect((await api.get(`/api/v1/crm/contacts/${contact.id}`)).body).toMatchObject({ status: 'ping', version: 8 });
  });
});
