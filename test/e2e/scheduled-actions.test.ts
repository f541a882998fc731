import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { client, deleteNamespace, eventually, startInProcess, tempDir, uniqueNamespace, type InProcessFlowline } from '../support/harness.ts';

/* Delayed and scheduled actions end to end, in one process on the real broker. */
const amqpUrl = inject('amqpUrl');
const namespace = uniqueNamespace('scheduled');
const dir = tempDir();
let flowline: InProcessFlowline;

beforeAll(async () => {
  flowline = await startInProcess({ amqpUrl, namespace, sqlitePath: join(dir.path, 'flowline.db') });
});
afterAll(async () => {
  await flowline?.stop();
  await deleteNamespace(amqpUrl, namespace);
  dir.remove();
});

async function ruleFor(tenant: string, action: Record<string, unknown>) {
  const api = client(flowline.baseUrl, tenant);
  const rule = await api.post('/api/v1/automation/rules', {
    name: 'Follow up',
    module_type: 'sales',
    trigger_id: 'high_value_opportunity',
    conditions: [{ type: 'value_threshold', value: 10000 }],
    actions: [action],
  });
  expect(rule.status, JSON.stringify(rule.body)).toBe(201);
  return { api, rule: rule.body };
}

const publish = (api: ReturnType<typeof client>, data: Record<string, unknown> = {}) =>
  api.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000, ...data } });

const actionOf = async (api: ReturnType<typeof client>, eventId: string) => (await api.get(`/api/v1/automation/executions?event_id=${eventId}`)).body.items[0]?.actions[0];

const notify = { type: 'send_notification', parameters: { recipient: 'owner@example.com', message: 'Follow up on {{opportunity_name}}' } };

describe('delayed actions', () => {
  it('when a notification has delay PT5S, then it is scheduled, listed, and arrives 5 s after the event, not before and not twice', async () => {
    const { api } = await ruleFor('delay-5s', { ...notify, delay: 'PT5S' });
    const sentAt = Date.now();
    const event = await publish(api);
    const scheduled = await eventually(async () => {
      const action = await actionOf(api, event.body.id);
      return action?.status === 'scheduled' ? action : undefined;
    });
    const runAt = Date.parse(scheduled.run_at);
    expect(runAt).toBeGreaterThanOrEqual(sentAt + 5000);
    const listed = (await api.get('/api/v1/scheduled')).body;
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).toMatchObject({ id: scheduled.command_id, state: 'pending', run_at: scheduled.run_at, type: 'send_notification' });
    expect((await client(flowline.baseUrl, 'someone-else').get('/api/v1/scheduled')).body.items).toEqual([]);

    // Polled up to just before its time: nothing yet.
    while (Date.now() < runAt - 300) {
      expect((await api.get('/api/v1/notifications')).body.items).toEqual([]);
      await new Promise((r) => setTimeout(r, 200));
    }
    const done = await eventually(async () => {
      const action = await actionOf(api, event.body.id);
      return action?.status === 'succeeded' ? action : undefined;
    });
    expect(Date.parse(done.completed_at)).toBeGreaterThanOrEqual(runAt);
    expect(done.deliveries).toBe(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api.get('/api/v1/notifications')).body.items).toHaveLength(1);
    expect((await api.get('/api/v1/scheduled')).body.items).toEqual([]);
  }, 30_000);

  it('when the rule is switched off before the action is due, then the action is cancelled with the reason and never runs', async () => {
    const { api, rule } = await ruleFor('delay-disabled', { ...notify, delay: 'PT2S' });
    const event = await publish(api);
    await eventually(async () => ((await actionOf(api, event.body.id))?.status === 'scheduled' ? true : undefined));
    expect((await api.put(`/api/v1/automation/rules/${rule.id}/toggle?is_active=false`)).status).toBe(200);
    const cancelled = await eventually(async () => {
      const action = await actionOf(api, event.body.id);
      return action?.status === 'cancelled' ? action : undefined;
    }, 10_000);
    expect(cancelled.error).toBe('cancelled: the rule was inactive when the action was due');
    expect((await api.get('/api/v1/notifications')).body.items).toEqual([]);
  }, 20_000);

  it('when the action says run_if_rule_inactive, then it runs although the rule was switched off', async () => {
    const { api, rule } = await ruleFor('delay-inactive-ok', { ...notify, delay: 'PT1S', run_if_rule_inactive: true });
    const event = await publish(api);
    await eventually(async () => ((await actionOf(api, event.body.id))?.status === 'scheduled' ? true : undefined));
    await api.put(`/api/v1/automation/rules/${rule.id}/toggle?is_active=false`);
    await eventually(async () => ((await actionOf(api, event.body.id))?.status === 'succeeded' ? true : undefined));
    expect((await api.get('/api/v1/notifications')).body.items).toHaveLength(1);
  }, 20_000);

  it('when a scheduled action is cancelled through the api, then it is gone from the list, recorded cancelled, and never runs', async () => {
    const { api } = await ruleFor('delay-cancel', { ...notify, delay: 'PT3S' });
    const event = await publish(api);
    const scheduled = await eventually(async () => {
      const action = await actionOf(api, event.body.id);
      return action?.status === 'scheduled' ? action : undefined;
    });
    expect((await client(flowline.baseUrl, 'other-tenant').delete(`/api/v1/scheduled/${scheduled.command_id}`)).status).toBe(404);
    expect((await api.delete(`/api/v1/scheduled/${scheduled.command_id}`)).status).toBe(204);
    expect((await api.delete(`/api/v1/scheduled/${scheduled.command_id}`)).status).toBe(404);
    expect((await api.get('/api/v1/scheduled')).body.items).toEqual([]);
    expect(await actionOf(api, event.body.id)).toMatchObject({ status: 'cancelled', error: 'cancelled through the api' });
    await new Promise((r) => setTimeout(r, 3500));
    expect((await api.get('/api/v1/notifications')).body.items).toEqual([]);
  }, 20_000);

  it('when run_at renders a time from the event, then the action waits for it; a past time runs at once; a bad one fails with the reason', async () => {
    const { api } = await ruleFor('run-at', { ...notify, run_at: '{{follow_up_at}}' });
    const at = new Date(Date.now() + 1500).toISOString();
    const [future, past, bad] = await Promise.all([
      publish(api, { follow_up_at: at }),
      publish(api, { follow_up_at: '2020-01-01T00:00:00Z' }),
      publish(api, { follow_up_at: 'tomorrow' }),
    ]);
    const ran = await eventually(async () => {
      const action = await actionOf(api, future.body.id);
      return action?.status === 'succeeded' ? action : undefined;
    });
    expect(ran.run_at).toBe(at);
    expect(Date.parse(ran.completed_at)).toBeGreaterThanOrEqual(Date.parse(at));
    await eventually(async () => ((await actionOf(api, past.body.id))?.status === 'succeeded' ? true : undefined));
    expect(await actionOf(api, bad.body.id)).toMatchObject({ status: 'failed', error: "run_at rendered 'tomorrow', which is not an ISO time" });
  }, 20_000);

  it('when a delay is over the limit or not a duration, then the rule is refused', async () => {
    const api = client(flowline.baseUrl, 'delay-invalid');
    const base = { name: 'x', module_type: 'sales', trigger_id: 'high_value_opportunity' };
    const months = await api.post('/api/v1/automation/rules', { ...base, actions: [{ ...notify, delay: 'P1M' }] });
    expect(months.status).toBe(400);
    expect(months.body.errors[0].path).toBe('actions.0.delay');
    const both = await api.post('/api/v1/automation/rules', { ...base, actions: [{ ...notify, delay: 'PT1S', run_at: '{{x}}' }] });
    expect(both.status).toBe(400);
  });

  it('when create_task has due_in, then its due date is that long after the event', async () => {
    const { api } = await ruleFor('due-in', { type: 'create_task', parameters: { title: 'Call {{opportunity_name}}', due_in: 'P2D' } });
    const time = '2026-03-01T09:00:00.000Z';
    await api.post('/api/v1/events', { type: 'high_value_opportunity', time, data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } });
    const [task] = await eventually(async () => {
      const tasks = (await api.get('/api/v1/tasks')).body.items;
      return tasks.length > 0 ? tasks : undefined;
    });
    expect(task.due_date).toBe('2026-03-03T09:00:00.000Z');
  });
});
