import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ScheduledAction } from '@flowline/contracts';
import { actionRoutingKey, HEADERS, type MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { PollLoop } from '@flowline/runtime';
import type { Stores } from '@flowline/storage';

export interface ActionSchedulerOptions {
  stores: Stores;
  bus: MessageBus;
  logger: Logger;
  /** @defaultValue 250: a due action goes out within about this long of its time */
  pollIntervalMs?: number;
  /**
   * How long a claimed item is this scheduler's alone; a dead scheduler's items go to another
   * after it, so it bounds how late a crash can make them. Publishing again after it runs out
   * is harmless (same command id). @defaultValue 5000
   */
  leaseMs?: number;
  /** @defaultValue 100 */
  batchSize?: number;
}

/**
 * Publishes scheduled action commands when they are due. Items are claimed from the store with
 * a lease, as the outbox relay claims events, so any number of executors may run one; an item
 * published again after a crash is the same command id, which the handlers make a no-op.
 * An item whose rule is no longer active is cancelled instead, unless it says to run anyway.
 */
export class ActionScheduler {
  readonly #options: Required<ActionSchedulerOptions>;
  readonly #owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  readonly #loop: PollLoop;

  constructor(options: ActionSchedulerOptions) {
    this.#options = { pollIntervalMs: 250, leaseMs: 5000, batchSize: 100, ...options };
    this.#loop = new PollLoop('action scheduler', () => this.#drain(), this.#options.pollIntervalMs, this.#options.logger);
  }

  start(): void {
    this.#loop.start();
  }

  async stop(): Promise<void> {
    await this.#loop.stop();
  }

  async #drain(): Promise<void> {
    const { stores, leaseMs, batchSize } = this.#options;
    while (this.#loop.running) {
      const due = await stores.schedule.claimDue(this.#owner, leaseMs, batchSize);
      await Promise.all(due.map((item) => this.#run(item)));
      if (due.length < batchSize) return;
    }
  }

  async #run(item: ScheduledAction): Promise<void> {
    const { stores, bus, logger } = this.#options;
    const log = logger.child({ tenant_id: item.tenant_id, rule_id: item.rule_id, command_id: item.id, correlation_id: item.command.correlation_id });
    if (!item.run_if_rule_inactive) {
      const rule = await stores.rules.get(item.tenant_id, item.rule_id);
      if (rule === null || !rule.is_active) {
        const reason = rule === null ? 'cancelled: the rule was deleted before the action was due' : 'cancelled: the rule was inactive when the action was due';
        if (await stores.schedule.settle(item.tenant_id, item.id, 'cancelled', reason)) {
          await stores.executions.recordActionResult(item.tenant_id, item.execution_id, item.action_index, { status: 'cancelled', error: reason, completed_at: new Date().toISOString() });
        }
        log.info({ reason }, 'scheduled action cancelled');
        return;
      }
    }
    await bus.publish('action-command', {
      routingKey: actionRoutingKey(item.command.type),
      messageId: item.id,
      correlationId: item.command.correlation_id,
      headers: { [HEADERS.tenantId]: item.tenant_id, [HEADERS.eventTime]: item.event_time },
      body: item.command,
    });
    await stores.schedule.settle(item.tenant_id, item.id, 'published');
    log.debug({ run_at: item.run_at, late_ms: Date.now() - Date.parse(item.run_at) }, 'scheduled action published');
  }
}
