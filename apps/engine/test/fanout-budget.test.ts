import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { actionCommandId, executionId, parseTenantId, type EventEnvelope, type Execution } from '@flowline/contracts';
import { FanoutBudget } from '../src/domain/fanout-budget.ts';

const NOW = '2026-11-30T00:00:00.000Z';

function anEvent(tenant = 'acme', correlation = 'chain-1'): EventEnvelope {
  const id = randomUUID();
  return { id, tenant_id: parseTenantId(tenant), type: 'contact_created', module_type: 'crm', source: 'test', time: NOW, data: {}, correlation_id: correlation, causation_id: null, causation_depth: 0 };
}

function matched(event: EventEnvelope, actions: number): Execution {
  const ruleId = randomUUID();
  return {
    id: executionId(event.id, ruleId), tenant_id: event.tenant_id, event_id: event.id, rule_id: ruleId, rule_name: 'r', trigger_id: event.type,
    correlation_id: event.correlation_id, outcome: 'matched', matched: true, conditions: [], notes: [], created_at: NOW, updated_at: NOW,
    actions: Array.from({ length: actions }, (_, index) => ({ index, command_id: actionCommandId(event.id, ruleId, index), type: 'create_task', status: 'pending' as const, parameters: { title: 't' } })),
  };
}

const pending = (executions: Execution[]) => executions.flatMap((e) => e.actions).filter((a) => a.status === 'pending').length;

describe('FanoutBudget', () => {
  it('when a chain has spent its budget on events and actions, then its further actions and events are refused, naming the chain budget', () => {
    const budget = new FanoutBudget({ perChain: 10, tenantActionsPerMinute: 0 });
    const first = anEvent();
    expect(budget.admitEvent(first)).toBeUndefined();
    const admitted = budget.admitActions(first, [matched(first, 4), matched(first, 8)], NOW);

    expect(pending(admitted.executions)).toBe(9);
    expect(admitted.refused).toBe(3);
    expect(admitted.executions.map((e) => e.outcome)).toEqual(['matched', 'budget_exceeded']);
    expect(admitted.executions[1]!.notes[0]).toMatch(/budget 'chain' \(10 events and action commands per correlation id\)/);
    expect(admitted.executions[1]!.actions.filter((a) => a.status === 'failed').every((a) => a.error === admitted.executions[1]!.notes[0])).toBe(true);
    expect(budget.admitEvent(anEvent())).toMatchObject({ budget: 'chain' });
  });

  it('when one tenant spends a chain id, then another tenant with the same correlation id still has its own budget', () => {
    const budget = new FanoutBudget({ perChain: 1, tenantActionsPerMinute: 0 });
    expect(budget.admitEvent(anEvent('acme', 'shared'))).toBeUndefined();
    expect(budget.admitEvent(anEvent('acme', 'shared'))).toMatchObject({ budget: 'chain' });
    expect(budget.admitEvent(anEvent('globex', 'shared'))).toBeUndefined();
  });

  it('when a tenant has used its action commands for the minute, then more are refused until the next minute, and other tenants are not', () => {
    let now = 0;
    const budget = new FanoutBudget({ perChain: 0, tenantActionsPerMinute: 5 }, () => now);
    const event = anEvent('acme', randomUUID());
    expect(pending(budget.admitActions(event, [matched(event, 3)], NOW).executions)).toBe(3);
    const over = budget.admitActions(event, [matched(event, 3)], NOW);
    expect([pending(over.executions), over.refusal?.budget]).toEqual([2, 'tenant_actions_per_minute']);
    const other = anEvent('globex', randomUUID());
    expect(pending(budget.admitActions(other, [matched(other, 5)], NOW).executions)).toBe(5);
    now = 60_000;
    expect(pending(budget.admitActions(event, [matched(event, 5)], NOW).executions)).toBe(5);
  });

  it('when a decision is refunded (its store write failed and the delivery is retried), then the retry finds the chain and tenant budgets as before', () => {
    const budget = new FanoutBudget({ perChain: 6, tenantActionsPerMinute: 5 }, () => 0);
    const event = anEvent('acme', randomUUID());
    for (let attempt = 0; attempt < 5; attempt++) {
      expect(budget.admitEvent(event)).toBeUndefined();
      const admitted = budget.admitActions(event, [matched(event, 5)], NOW);
      expect([pending(admitted.executions), admitted.granted]).toEqual([5, 5]);
      budget.refund(event, { events: 1, actions: admitted.granted });
    }
    expect(budget.admitEvent(event)).toBeUndefined();
    expect(budget.admitActions(event, [matched(event, 5)], NOW).refused).toBe(0);
    expect(budget.admitEvent(event)).toMatchObject({ budget: 'chain' });
  });

  it('when no budget is set (0), then nothing is refused', () => {
    const budget = new FanoutBudget({ perChain: 0, tenantActionsPerMinute: 0 });
    const event = anEvent();
    for (let i = 0; i < 1000; i++) expect(budget.admitEvent(event)).toBeUndefined();
    expect(budget.admitActions(event, [matched(event, 20)], NOW).refused).toBe(0);
  });
});
