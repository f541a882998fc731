import type { ScheduledAction } from '@flowline/contracts';
import { publishPayload } from '@flowline/messaging';
import { LeasedDrain, type LeasedDrainOptions } from '@flowline/runtime';

/**
 * Defaults: polled every 250 ms (a due action goes out within about that long of its time),
 * leases of 15 s (which bounds how late a crash makes an item another scheduler takes over; three
 * times the bus's 5 s publish-confirm timeout, so a slow confirm cannot outlive the lease and let
 * the item be cancelled or claimed again while it is still being published),
 * 100 items a claim.
 */
export type ActionSchedulerOptions = LeasedDrainOptions;

/**
 * Publishes scheduled action commands when they are due. Items are claimed from the store with
 * a lease, as the outbox relay claims events, so any number of executors may run one; an item
 * published again after a crash is the same command id, which the handlers make a no-op.
 * An item whose rule is no longer active is cancelled instead, unless it says to run anyway.
 */
export class ActionScheduler extends LeasedDrain {
  constructor(options: ActionSchedulerOptions) {
    super('action scheduler', options, { pollIntervalMs: 250, leaseMs: 15_000, batchSize: 100 });
  }

  protected async drain(): Promise<void> {
    const { stores, leaseMs, batchSize } = this.options;
    while (this.running) {
      const due = await stores.schedule.claimDue(this.owner, leaseMs, batchSize);
      // Every item settles before the next claim: with Promise.all one failed publish ended the
      // pass while the others were still in flight, and the next pass re-claimed (this owner's
      // own leases match) and published them a second time. A failed item waits out its lease.
      const outcomes = await Promise.allSettled(due.map((item) => this.#run(item)));
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'rejected') {
          const item = due[index]!;
          this.options.logger.warn({ tenant_id: item.tenant_id, command_id: item.id, err: outcome.reason }, 'scheduled action not published; retried once its lease ends');
        }
      });
      if (due.length < batchSize) return;
    }
  }

  async #run(item: ScheduledAction): Promise<void> {
    const { stores, bus, logger } = this.options;
    const log = logger.child({ tenant_id: item.tenant_id, rule_id: item.rule_id, command_id: item.id, correlation_id: item.command.correlation_id });
    if (!item.run_if_rule_inactive) {
      const rule = await stores.rules.get(item.tenant_id, item.rule_id);
      if (rule === null || !rule.is_active) {
        const reason = rule === null ? 'cancelled: the rule was deleted before the action was due' : 'cancelled: the rule was inactive when the action was due';
        if (await stores.schedule.settle(item.tenant_id, item.id, 'cancelled', reason, this.owner)) {
          const result = { command_id: item.id, execution_id: item.execution_id, action_index: item.action_index, status: 'cancelled', error: reason, completed_at: new Date().toISOString() } as const;
          await stores.executions.recordActionResult(item.tenant_id, result);
        }
        log.info({ reason }, 'scheduled action cancelled');
        return;
      }
    }
    await publishPayload(bus, 'action-command', item.command, { eventTime: item.event_time });
    // Fenced by the lease: the executor may already have run it and put it back for a later try.
    await stores.schedule.settle(item.tenant_id, item.id, 'published', undefined, this.owner);
    log.debug({ run_at: item.run_at, late_ms: Date.now() - Date.parse(item.run_at) }, 'scheduled action published');
  }
}
