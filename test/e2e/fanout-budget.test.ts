import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { metrics } from '@flowline/observability';
import { client, eventually, useInProcessFlowline } from '../support/harness.ts';

/*
 * A rule whose actions re-trigger it on several entities grows as actions^depth; the loop guard
 * only bounds the depth. The fan-out budget bounds the breadth of one causal chain.
 */
const PER_CHAIN = 60;
// Deep enough that without a budget one PATCH would make 5^10 events.
const running = useInProcessFlowline('fanout', { engine: { loopGuardMaxDepth: 10, fanoutBudget: { perChain: PER_CHAIN, tenantActionsPerMinute: 0 } } });

describe('the fan-out budget', () => {
  it('when a rule re-triggers itself on five contacts, then the chain stops within its budget, visibly, and another tenant is served at once', async () => {
    const noisy = client(running.current.baseUrl, `noisy-${randomUUID().slice(0, 6)}`);
    const quiet = client(running.current.baseUrl, `quiet-${randomUUID().slice(0, 6)}`);
    const contacts = [];
    for (let i = 0; i < 5; i++) contacts.push((await noisy.post('/api/v1/crm/contacts', { name: `c${i}`, email: `c${i}@example.com` })).body);
    const storm = await noisy.post('/api/v1/automation/rules', {
      name: 'every status change changes all five again',
      module_type: 'crm',
      trigger_id: 'contact_status_changed',
      conditions: [],
      actions: contacts.map((c) => ({ type: 'update_status', parameters: { entity_type: 'contact', entity_id: c.id, new_status: 's{{event_id}}' } })),
    });
    expect(storm.status).toBe(201);
    await quiet.post('/api/v1/automation/rules', {
      name: 'task per deal', module_type: 'sales', trigger_id: 'high_value_opportunity', conditions: [],
      actions: [{ type: 'create_task', parameters: { title: 'call' } }],
    });

    expect((await noisy.request('PATCH', `/api/v1/crm/contacts/${contacts[0].id}`, { version: 1, status: 'hot' })).status).toBe(200);
    // Another tenant's event, sent while the chain fans out, is handled at once.
    const started = Date.now();
    expect((await quiet.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o', value: 50_000 } })).status).toBe(202);
    await eventually(async () => ((await quiet.get('/api/v1/tasks')).body.items.length === 1 ? true : undefined));
    const quietLatencyMs = Date.now() - started;

    // Wait for the chain to come to rest: the execution count stops changing.
    let last = -1;
    const executions = await eventually(async () => {
      const list = (await noisy.get('/api/v1/automation/executions?limit=500')).body.items as any[];
      const settled = list.length === last && list.every((e) => e.actions.every((a: any) => a.status !== 'pending'));
      last = list.length;
      return settled && list.length > 0 ? list : undefined;
    }, 30_000, 700);

    const commandsSent = executions.flatMap((e) => e.actions).filter((a: any) => a.status === 'succeeded').length;
    const evaluated = executions.filter((e) => e.outcome === 'matched' || e.outcome === 'not_matched').length;
    const stopped = executions.filter((e) => e.outcome === 'budget_exceeded');
    console.log(`[fanout] executions=${executions.length} evaluated=${evaluated} commands=${commandsSent} budget_exceeded=${stopped.length} quiet tenant latency=${quietLatencyMs} ms`);
    expect(evaluated + commandsSent).toBeLessThanOrEqual(PER_CHAIN);
    expect(executions.length).toBeLessThanOrEqual(2 * PER_CHAIN);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped[0].notes.join(' ')).toMatch(/fan-out budget 'chain' \(60 events and action commands per correlation id\)/);
    expect(new Set(executions.map((e) => e.correlation_id)).size).toBe(1);
    expect(quietLatencyMs).toBeLessThan(5000);
    expect((await metrics().exposition()).body).toMatch(/flowline_loop_guarded_total\{[^}]*reason="budget_chain"[^}]*\} [1-9]/);
  });
});
