import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { parseTenantId } from '@flowline/contracts';
import { eventRoutingKey, HEADERS } from '@flowline/messaging';
import { HIGH_VALUE_DEAL_ALERT, client, eventually, highValueEnvelope, useInProcessFlowline } from '../support/harness.ts';
import { describeEachStore } from '../support/store-target.ts';

/*
 * The whole pipeline in one process on real RabbitMQ: HTTP → events exchange → engine →
 * actions exchange → executor → store, read back over HTTP. Once per store (SQLite, MongoDB).
 */
describeEachStore('pipeline', (kind) => {
  const flowline = useInProcessFlowline('e2e', { kind });

  async function executionsOf(tenant: string, eventId: string, count = 1) {
    return eventually(async () => {
      const list = (await client(flowline.current.baseUrl, tenant).get(`/api/v1/automation/executions?event_id=${eventId}`)).body.items;
      const settled = list.filter((e: any) => e.actions.every((a: any) => a.status !== 'pending'));
      return settled.length >= count ? list : undefined;
    });
  }

  /** The event's log entry once the engine has recorded it. */
  async function eventOf(tenant: string, eventId: string) {
    return eventually(async () => {
      const res = await client(flowline.current.baseUrl, tenant).get(`/api/v1/events/${eventId}`);
      return res.status === 200 ? res.body : undefined;
    });
  }

  describe('the High Value Deal Alert', () => {
    it('when a 25000 deal arrives for acme-corp, then one notification reads the rendered message and the execution matched with the action succeeded', async () => {
      const tenant = `acme-corp-${randomUUID().slice(0, 6)}`;
      const acme = client(flowline.current.baseUrl, tenant);
      const rule = (await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
      const event = await acme.post('/api/v1/events', {
        type: 'high_value_opportunity',
        data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 },
      });
      expect(event.status).toBe(202);

      const [execution] = await executionsOf(tenant, event.body.id);
      expect(execution).toMatchObject({
        rule_id: rule.id,
        event_id: event.body.id,
        outcome: 'matched',
        matched: true,
        conditions: [{ type: 'value_threshold', field: 'value', expected: 10000, actual: 25000, passed: true }],
        actions: [{ index: 0, type: 'send_notification', status: 'succeeded' }],
      });
      const notifications = (await acme.get('/api/v1/notifications')).body.items;
      expect(notifications).toHaveLength(1);
      expect(notifications[0]).toMatchObject({
        recipient: 'sales-manager@example.com',
        message: 'New high-value opportunity: Big Deal - $25000',
        rule_id: rule.id,
        event_id: event.body.id,
      });
    });

    it('when a 5000 deal arrives, then the event log shows the rule did not match, the failed condition and the value it saw, and nothing runs', async () => {
      const tenant = `acme-corp-${randomUUID().slice(0, 6)}`;
      const acme = client(flowline.current.baseUrl, tenant);
      const rule = (await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT)).body;
      const event = await acme.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o2', opportunity_name: 'Small', value: 5000 } });
      const logged = await eventOf(tenant, event.body.id);
      expect(logged).toMatchObject({
        id: event.body.id,
        type: 'high_value_opportunity',
        status: 'not_matched',
        data: { value: 5000 },
        rules: [{ rule_id: rule.id, rule_name: rule.name, outcome: 'not_matched', failed_condition: { type: 'value_threshold', field: 'value', expected: 10000, actual: 5000 } }],
        executions: [],
      });
      const listed = (await acme.get('/api/v1/events?status=not_matched&type=high_value_opportunity')).body;
      expect(listed.items.map((e: any) => e.id)).toEqual([event.body.id]);
      expect((await acme.get('/api/v1/automation/executions')).body).toEqual({ items: [] });
      expect((await acme.get('/api/v1/notifications')).body.items).toEqual([]);
    });

    it('when a tenant has no rule for the trigger, then its event still appears in the event log as no_rules', async () => {
      const tenant = `norules-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      const event = await t.post('/api/v1/events', { type: 'lead_created', data: { lead_id: 'L-1' } });
      expect(await eventOf(tenant, event.body.id)).toMatchObject({ status: 'no_rules', rules: [], executions: [] });
      expect((await t.get('/api/v1/events?status=no_rules')).body.items).toHaveLength(1);
      expect((await t.get('/api/v1/events?status=matched')).body).toEqual({ items: [] });
    });

    it("when the same event comes for another tenant, then acme-corp's rule does not run and acme-corp gets nothing", async () => {
      const tenant = `acme-corp-${randomUUID().slice(0, 6)}`;
      const acme = client(flowline.current.baseUrl, tenant);
      const other = client(flowline.current.baseUrl, `globex-${randomUUID().slice(0, 6)}`);
      await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
      // The other tenant has its own rule, so we can tell when its event has been processed.
      await other.post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, actions: [{ type: 'create_task', parameters: { title: 'x' } }] });
      const event = await other.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o3', opportunity_name: 'Big', value: 25000 } });
      await eventually(async () => ((await other.get('/api/v1/tasks')).body.items.length === 1 ? true : undefined));
      expect((await acme.get('/api/v1/notifications')).body.items).toEqual([]);
      expect((await acme.get(`/api/v1/automation/executions?event_id=${event.body.id}`)).body).toEqual({ items: [] });
      expect((await acme.get(`/api/v1/events/${event.body.id}`)).status).toBe(404);
      expect((await other.get('/api/v1/notifications')).body.items).toEqual([]);
    });
  });

  describe('actions', () => {
    it('when a rule creates a task from templates, then nested paths and the context render into the stored task', async () => {
      const tenant = `tasks-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      await t.post('/api/v1/automation/rules', {
        name: 'Follow up new leads',
        module_type: 'crm',
        trigger_id: 'lead_created',
        conditions: [{ type: 'equals', field: 'source', value: 'web' }],
        actions: [{ type: 'create_task', parameters: { title: 'Call lead {{lead_id}} for {{tenant_id}}', assignee: '{{owner.email}}' } }],
      });
      const event = await t.post('/api/v1/events', { type: 'lead_created', data: { lead_id: 'L-7', source: 'web', owner: { email: 'rep@acme.test' } } });
      const [execution] = await executionsOf(tenant, event.body.id);
      expect(execution.actions[0].status).toBe('succeeded');
      expect(execution.notes).toEqual([]);
      const tasks = (await t.get('/api/v1/tasks')).body.items;
      expect(tasks).toMatchObject([{ title: `Call lead L-7 for ${tenant}`, assignee: 'rep@acme.test', status: 'open' }]);
    });

    it('when a placeholder has no value in the event, then the action fails naming it, no task titled "Call " is made, and the other actions run', async () => {
      const tenant = `missing-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      await t.post('/api/v1/automation/rules', {
        name: 'Call new leads',
        module_type: 'crm',
        trigger_id: 'lead_created',
        actions: [
          { type: 'create_task', parameters: { title: 'Call {{lead_name}}' } },
          { type: 'create_task', parameters: { title: 'Review lead {{lead_id}}' } },
        ],
      });
      const event = await t.post('/api/v1/events', { type: 'lead_created', data: { lead_id: 'L-8' } });
      const [execution] = await executionsOf(tenant, event.body.id);
      await eventually(async () => ((await t.get('/api/v1/tasks')).body.items.length === 1 ? true : undefined));
      const [failed, ran] = (await t.get(`/api/v1/automation/executions?event_id=${event.body.id}`)).body.items[0].actions;
      expect(failed).toMatchObject({ status: 'failed', missing_placeholders: ['lead_name'], error: expect.stringContaining('{{lead_name}}') });
      expect(ran.status).toBe('succeeded');
      expect(execution.notes).toEqual([expect.stringContaining("actions.0: template values missing: {{lead_name}} (in title)")]);
      expect((await t.get('/api/v1/tasks')).body.items).toMatchObject([{ title: 'Review lead L-8' }]);
    });

    it('when update_status names an entity that does not exist, then the action fails with "entity not found" and nothing else happens', async () => {
      const tenant = `status-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      await t.post('/api/v1/automation/rules', {
        name: 'Qualify',
        module_type: 'crm',
        trigger_id: 'contact_created',
        actions: [{ type: 'update_status', parameters: { entity_id: '{{contact_id}}', new_status: 'qualified' } }],
      });
      const event = await t.post('/api/v1/events', { type: 'contact_created', data: { contact_id: 'c-404' } });
      const [execution] = await executionsOf(tenant, event.body.id);
      expect(execution.actions[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('entity not found') });
    });

    it('when a template renders a required parameter empty, then that action fails on the execution and is never sent', async () => {
      const tenant = `empty-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      await t.post('/api/v1/automation/rules', {
        name: 'Notify owner',
        module_type: 'crm',
        trigger_id: 'contact_created',
        actions: [{ type: 'send_notification', parameters: { recipient: '{{owner_email}}', message: 'New contact' } }],
      });
      const event = await t.post('/api/v1/events', { type: 'contact_created', data: {} });
      const [execution] = await executionsOf(tenant, event.body.id);
      expect(execution.actions[0]).toMatchObject({ status: 'failed', error: expect.stringContaining('recipient') });
      expect((await t.get('/api/v1/notifications')).body.items).toEqual([]);
    });

    it('when a disabled rule’s trigger fires, then nothing is executed', async () => {
      const tenant = `off-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      const off = (await t.post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, is_active: false })).body;
      await t.post('/api/v1/automation/rules', { ...HIGH_VALUE_DEAL_ALERT, name: 'on', actions: [{ type: 'create_task', parameters: { title: 'x' } }] });
      const event = await t.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o', value: 99999 } });
      const executions = await executionsOf(tenant, event.body.id);
      expect(executions.map((e: any) => e.rule_id)).not.toContain(off.id);
      expect((await t.get('/api/v1/notifications')).body.items).toEqual([]);
    });
  });

  describe('events published straight to the exchange', () => {
    const publishRaw = (body: unknown, headers: Record<string, string> = {}) =>
      flowline.current.bus.publish('event', { routingKey: eventRoutingKey('sales', 'high_value_opportunity'), messageId: randomUUID(), headers, body });

    it('when a valid envelope is published by another service, then it is processed like one from the api', async () => {
      const tenant = `direct-${randomUUID().slice(0, 6)}`;
      const t = client(flowline.current.baseUrl, tenant);
      await t.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
      const id = randomUUID();
      await publishRaw(
        highValueEnvelope(tenant, {
          id,
          source: 'billing-service',
          data: { opportunity_id: 'o9', opportunity_name: 'Direct', value: 12000 },
          correlation_id: 'corr-1',
        }),
        { [HEADERS.tenantId]: tenant },
      );
      const [execution] = await executionsOf(tenant, id);
      expect(execution).toMatchObject({ matched: true, correlation_id: 'corr-1' });
    });

    it('when invalid messages are published, then each is dead-lettered with its reason and the engine keeps working', async () => {
      const tenant = parseTenantId(`dl-${randomUUID().slice(0, 6)}`);
      const good = highValueEnvelope(tenant, { data: { opportunity_id: 'o', value: 1 } });
      await flowline.current.bus.takeDeadLetters('engine.events', 100);
      await publishRaw('a JSON string, not an envelope');
      await publishRaw({ ...good, id: randomUUID(), type: 'no_such_trigger' });
      await publishRaw({ ...good, id: randomUUID(), data: { value: 1 } });
      await publishRaw({ ...good, id: randomUUID() }, { [HEADERS.tenantId]: 'someone-else' });
      await publishRaw({ ...good, id: randomUUID(), module_type: 'crm' });
      let deep: unknown = 'bottom';
      for (let i = 0; i < 40; i++) deep = [deep];
      await publishRaw({ ...good, id: randomUUID(), data: { opportunity_id: 'o', value: 1, deep } });

      const collected: Array<{ reason: string }> = [];
      await eventually(async () => {
        collected.push(...(await flowline.current.bus.takeDeadLetters('engine.events', 100)));
        return collected.length >= 6 ? true : undefined;
      });
      const reasons = collected.map((l) => l.reason);
      expect(reasons).toHaveLength(6);
      for (const expected of [
        'body does not match the contract: (body):',
        'does not match body tenant_id',
        'invalid event data: data.opportunity_id',
        "belongs to module 'sales', not 'crm'",
        "unknown trigger 'no_such_trigger'",
        'nested deeper than 32 levels',
      ]) {
        expect(reasons.filter((r) => r.includes(expected)), expected).toHaveLength(1);
      }
      // Still alive: a good event is processed after the bad ones.
      await client(flowline.current.baseUrl, tenant).post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
      const okId = randomUUID();
      await publishRaw({ ...good, id: okId });
      expect(await eventOf(tenant, okId)).toMatchObject({ status: 'not_matched' });
    });
  });
});
