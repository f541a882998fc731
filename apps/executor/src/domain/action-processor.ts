import { ActionCommandSchema, type ActionCommand, type ActionResult, type ActionResultRecord, type TenantId } from '@flowline/contracts';
import { decodeMessage, deferralOf, HEADERS, type GiveUp, type IncomingMessage } from '@flowline/messaging';
import { continueTrace, formatTraceparent, metrics, traceFields, TRACEPARENT } from '@flowline/observability';
import { RecordedResult, type ActionContext } from './actions/action-context.ts';
import { createTask } from './actions/create-task.ts';
import { DeferError } from './actions/defer.ts';
import { sendNotification } from './actions/send-notification.ts';
import { updateStatus } from './actions/update-status.ts';
import { TurnBatch } from './turn-batch.ts';
import { callWebhook } from './webhook/call-webhook.ts';

/** A dead-letter reason can quote input; what the tenant sees of it stays short. */
const MAX_REASON_LENGTH = 500;

/**
 * Processes action commands: runs each within the command's tenant and records its outcome by
 * command id (merged into the execution on read). Handlers are idempotent by command id, so a
 * redelivery after a crash between the effect and the ack leaves one notification or task.
 */
export class ActionProcessor {
  readonly #context: ActionContext;
  readonly #maxAttempts: number;
  readonly #results: TurnBatch<{ tenant: TenantId; result: ActionResultRecord }>;

  /** `maxDeliveryAttempts`: the bus's limit, so that a handler knows its last chance (default 5). */
  constructor(context: ActionContext & { maxDeliveryAttempts?: number }) {
    const { maxDeliveryAttempts = 5, ...rest } = context;
    this.#context = rest;
    this.#maxAttempts = maxDeliveryAttempts;
    this.#results = new TurnBatch((batch) => this.#context.stores.executions.recordActionResults(batch));
  }

  process(message: IncomingMessage): Promise<void> {
    return this.processBatch([message])[0]!;
  }

  /**
   * Runs each command of the batch on its own and records each outcome as soon as it is known: outcomes known
   * in the same turn go to the store in one call (one transaction on SQLite), so a slow command (a webhook,
   * say) holds up nothing but itself. Each message's promise resolves once its own outcome is recorded. A
   * command that fails fails alone and is retried; if a store call fails, the messages whose outcomes it
   * carried are retried, and the handlers' idempotence keeps the effects single.
   */
  processBatch(messages: readonly IncomingMessage[]): Promise<void>[] {
    return messages.map(async (message) => {
      const { command, result, recorded, logger, counted, stopTimer } = await this.#execute(message);
      // Put off (back in the schedule): nothing to record yet.
      if (result === undefined) return;
      try {
        if (!recorded) await this.#results.add({ tenant: command.tenant_id, result: resultRecord(command, result) });
      } catch (error) {
        stopTimer({ outcome: 'error' });
        throw error;
      }
      logger.info({ status: result.status, error: result.error, delivery: message.deliveryCount }, 'action executed');
      metrics().actionsExecuted.inc({ ...counted, outcome: result.status });
      const eventMs = Date.parse(String(message.headers[HEADERS.eventTime] ?? ''));
      // A publisher's skewed clock can put the event time after now: that counts as 0, not negative.
      if (Number.isFinite(eventMs)) metrics().endToEndSeconds.observe(counted, Math.max(0, Date.now() - eventMs) / 1000);
      stopTimer({ outcome: result.status });
    });
  }

  async #execute(message: IncomingMessage) {
    const stopTimer = metrics().processingSeconds.startTimer({ stage: 'executor' });
    try {
      const trace = continueTrace(message.headers[TRACEPARENT]);
      const command = decodeMessage(message, ActionCommandSchema);
      const counted = { action_type: command.type, tenant: metrics().tenant(command.tenant_id) };
      const logger = this.#context.logger.child({
        tenant_id: command.tenant_id,
        event_id: command.event_id,
        rule_id: command.rule_id,
        correlation_id: command.correlation_id,
        command_id: command.id,
        action_type: command.type,
        ...traceFields(trace),
      });
      const eventTimeHeader = message.headers[HEADERS.eventTime];
      const eventTime = typeof eventTimeHeader === 'string' ? eventTimeHeader : undefined;
      try {
        const delivery = { count: message.deliveryCount, maxAttempts: this.#maxAttempts, eventTime };
        // Taken before the action runs: how long flow control held the command, not how long it then took.
        const admission = deferralOf(message.headers, Date.now());
        const ofThisDelivery = (outcome: ActionResult): ActionResult => ({
          ...outcome,
          deliveries: message.deliveryCount,
          ...(admission === undefined ? {} : { admission }),
        });
        const outcome = await this.#run(command, {
          ...this.#context,
          logger,
          traceparent: formatTraceparent(trace),
          delivery,
          resultRecord: (handlerResult) => resultRecord(command, ofThisDelivery(handlerResult)),
        });
        const recorded = outcome instanceof RecordedResult;
        const result: ActionResult | undefined = ofThisDelivery(recorded ? outcome.result : outcome);
        return { command, result, recorded, logger, counted, stopTimer };
      } catch (error) {
        if (error instanceof DeferError) {
          await this.#defer(command, error, eventTime);
          logger.info({ run_at: error.runAt.toISOString(), reason: error.message }, 'action put off');
          metrics().actionsExecuted.inc({ ...counted, outcome: 'deferred' });
          stopTimer({ outcome: 'deferred' });
          return { command, result: undefined, recorded: false, logger, counted, stopTimer };
        }
        metrics().actionsExecuted.inc({ ...counted, outcome: 'error' });
        throw error;
      }
    } catch (error) {
      stopTimer({ outcome: 'error' });
      throw error;
    }
  }

  /**
   * A command the bus gives up on gets a terminal status, so that its action never stays
   * `pending`: `failed` when it was refused as permanent, `dead_lettered` when its attempts ran
   * out. A message that is not a valid command has no action to record it on.
   */
  async giveUp(message: IncomingMessage, giveUp: GiveUp): Promise<void> {
    let command: ActionCommand;
    try {
      command = decodeMessage(message, ActionCommandSchema);
    } catch {
      return;
    }
    const reason = giveUp.reason.length > MAX_REASON_LENGTH ? `${giveUp.reason.slice(0, MAX_REASON_LENGTH)}…` : giveUp.reason;
    await this.#record(command, {
      status: giveUp.permanent ? 'failed' : 'dead_lettered',
      error: giveUp.permanent ? reason : `given up after ${giveUp.attempts} attempts: ${reason}`,
      completed_at: new Date().toISOString(),
      deliveries: giveUp.attempts,
    });
  }

  #record(command: ActionCommand, result: ActionResult): Promise<void> {
    return this.#context.stores.executions.recordActionResult(command.tenant_id, resultRecord(command, result));
  }

  /** Back into the store's schedule: the scheduler publishes the same command again at `runAt`. */
  async #defer(command: ActionCommand, deferral: DeferError, eventTime: string | undefined): Promise<void> {
    const now = new Date().toISOString();
    await this.#context.stores.schedule.reschedule(command.tenant_id, {
      id: command.id,
      tenant_id: command.tenant_id,
      rule_id: command.rule_id,
      execution_id: command.execution_id,
      action_index: command.action_index,
      type: command.type,
      run_at: deferral.runAt.toISOString(),
      state: 'pending',
      // It was decided to run already; a rule switched off since does not take that back.
      run_if_rule_inactive: true,
      reason: deferral.message,
      event_time: eventTime && !Number.isNaN(Date.parse(eventTime)) ? new Date(eventTime).toISOString() : command.issued_at,
      command,
      created_at: now,
      updated_at: now,
    });
  }

  #run(command: ActionCommand, context: ActionContext): Promise<ActionResult | RecordedResult> {
    switch (command.type) {
      case 'send_notification':
        return sendNotification(command, context);
      case 'create_task':
        return createTask(command, context);
      case 'update_status':
        return updateStatus(command, context);
      case 'call_webhook':
        return callWebhook(command, context);
      default: {
        const unreachable: never = command;
        throw new Error(`unhandled action ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

function resultRecord(command: ActionCommand, result: ActionResult): ActionResultRecord {
  return { ...result, command_id: command.id, execution_id: command.execution_id, action_index: command.action_index };
}
