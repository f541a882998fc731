import type { EventEnvelope, Execution } from '@flowline/contracts';

/*
 * The loop guard bounds how deep a chain of rules goes, not how wide: a rule whose actions
 * re-trigger it on several entities grows as actions^depth. These budgets bound the breadth.
 * Work past a budget is not run; it is recorded on the execution (outcome `budget_exceeded`,
 * with a note naming the budget) and counted in metrics by the caller.
 */

export type BudgetName = 'chain' | 'tenant_actions_per_minute';

export interface FanoutBudgetOptions {
  /** Events plus action commands one causal chain (one tenant's correlation id) may produce. 0 = no limit. */
  perChain: number;
  /** Action commands one tenant may have published per minute. 0 = no limit. */
  tenantActionsPerMinute: number;
  /**
   * Chains remembered at once; the least recently used are forgotten first (each ≈ 100 bytes).
   * @defaultValue 100_000
   */
  maxChains?: number;
}

export interface BudgetRefusal {
  budget: BudgetName;
  note: string;
}

const MINUTE_MS = 60_000;

/** An action that becomes a command: published now, or later by the scheduler. */
const becomesCommand = (action: { status: string }) => action.status === 'pending' || action.status === 'scheduled';

/**
 * In-memory and per engine process: with N engines sharing the queue, a chain can use up to N
 * times its budget, and a restart starts the counts afresh. That still turns an exponential
 * blow-up into a bounded one; a store-backed count would make it exact.
 */
export class FanoutBudget {
  readonly #options: Required<FanoutBudgetOptions>;
  readonly #now: () => number;
  /** Keyed by tenant and correlation id: a tenant cannot spend another tenant's chain. */
  readonly #chains = new Map<string, number>();
  readonly #tenantMinutes = new Map<string, { minute: number; used: number }>();

  constructor(options: FanoutBudgetOptions, now: () => number = Date.now) {
    this.#options = { maxChains: 100_000, ...options };
    this.#now = now;
  }

  /** Takes one event from its chain's budget; a refusal when the chain has spent it. */
  admitEvent(event: EventEnvelope): BudgetRefusal | undefined {
    return this.#takeFromChain(event, 1) === 1 ? undefined : this.#chainRefusal(event);
  }

  /**
   * Lets the executions' pending and scheduled actions go out while both budgets last, in order. Actions
   * past a budget are marked failed with the budget's note, and their execution's outcome
   * becomes `budget_exceeded`. Returns the refusal, if any, for metrics and the log.
   */
  admitActions(event: EventEnvelope, executions: Execution[], now: string): { executions: Execution[]; refusal: BudgetRefusal | undefined; refused: number; granted: number } {
    const wanted = executions.reduce((sum, execution) => sum + execution.actions.filter(becomesCommand).length, 0);
    if (wanted === 0) return { executions, refusal: undefined, refused: 0, granted: 0 };
    const byTenant = this.#takeFromTenant(event, wanted);
    const granted = this.#takeFromChain(event, byTenant);
    // Actions the chain could not take give their tenant-minute share back.
    this.#giveBackToTenant(event, byTenant - granted);
    if (granted === wanted) return { executions, refusal: undefined, refused: 0, granted };

    const refusal = granted < byTenant ? this.#chainRefusal(event) : this.#tenantRefusal();
    let left = granted;
    const limited = executions.map((execution) => {
      let cut = false;
      const actions = execution.actions.map((action) => {
        if (!becomesCommand(action)) return action;
        if (left > 0) {
          left -= 1;
          return action;
        }
        cut = true;
        return { ...action, status: 'failed' as const, error: refusal.note, completed_at: now };
      });
      return cut ? { ...execution, outcome: 'budget_exceeded' as const, actions, notes: [...execution.notes, refusal.note] } : execution;
    });
    return { executions: limited, refusal, refused: wanted - granted, granted };
  }

  /**
   * Gives back what a decision took when it did not take effect: its store write failed (the
   * delivery is retried and decides again), or an earlier delivery's stored decision is used
   * instead. Else every retry of a batch after a store failure spent the budget again, and a
   * chain could run out for work it never did.
   */
  refund(event: EventEnvelope, charged: { events: number; actions: number }): void {
    const total = charged.events + charged.actions;
    if (total > 0 && this.#options.perChain > 0) {
      const key = `${event.tenant_id}\u0000${event.correlation_id}`;
      const used = this.#chains.get(key);
      if (used !== undefined) this.#chains.set(key, Math.max(0, used - total));
    }
    this.#giveBackToTenant(event, charged.actions);
  }

  /** An execution for a rule not evaluated because the event's chain had spent its budget. */
  static overBudget<E extends Execution>(execution: E, refusal: BudgetRefusal): E {
    return { ...execution, outcome: 'budget_exceeded', matched: false, conditions: [], actions: [], notes: [refusal.note] };
  }

  #takeFromChain(event: EventEnvelope, wanted: number): number {
    const limit = this.#options.perChain;
    if (limit === 0) return wanted;
    const key = `${event.tenant_id}\u0000${event.correlation_id}`;
    const used = this.#chains.get(key) ?? 0;
    const granted = Math.max(0, Math.min(wanted, limit - used));
    // Re-inserted, so the map's order is least recently used first.
    this.#chains.delete(key);
    this.#chains.set(key, used + granted);
    while (this.#chains.size > this.#options.maxChains) this.#chains.delete(this.#chains.keys().next().value!);
    return granted;
  }

  #takeFromTenant(event: EventEnvelope, wanted: number): number {
    const limit = this.#options.tenantActionsPerMinute;
    if (limit === 0) return wanted;
    const minute = Math.floor(this.#now() / MINUTE_MS);
    let entry = this.#tenantMinutes.get(event.tenant_id);
    if (!entry || entry.minute !== minute) {
      entry = { minute, used: 0 };
      this.#tenantMinutes.set(event.tenant_id, entry);
      this.#forgetPastMinutes(minute);
    }
    const granted = Math.max(0, Math.min(wanted, limit - entry.used));
    entry.used += granted;
    return granted;
  }

  #giveBackToTenant(event: EventEnvelope, count: number): void {
    const entry = this.#tenantMinutes.get(event.tenant_id);
    if (entry && count > 0) entry.used = Math.max(0, entry.used - count);
  }

  #forgetPastMinutes(minute: number): void {
    if (this.#tenantMinutes.size < 10_000) return;
    for (const [tenant, entry] of this.#tenantMinutes) if (entry.minute !== minute) this.#tenantMinutes.delete(tenant);
  }

  #chainRefusal(event: EventEnvelope): BudgetRefusal {
    return {
      budget: 'chain',
      note: `budget_exceeded: the fan-out budget 'chain' (${this.#options.perChain} events and action commands per correlation id) of correlation id ${event.correlation_id} is used up; not run`,
    };
  }

  #tenantRefusal(): BudgetRefusal {
    return {
      budget: 'tenant_actions_per_minute',
      note: `budget_exceeded: the fan-out budget 'tenant_actions_per_minute' (${this.#options.tenantActionsPerMinute} action commands per tenant per minute) is used up; not run`,
    };
  }
}
