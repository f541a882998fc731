import { ActionCommandSchema, type ActionCommand, type ActionResult } from '@flowline/contracts';
import { decodeMessage, HEADERS, type IncomingMessage } from '@flowline/messaging';
import { continueTrace, formatTraceparent, metrics, traceFields, TRACEPARENT } from '@flowline/observability';
import type { ActionContext } from './actions/action-context.ts';
import { createTask } from './actions/create-task.ts';
import { DeferError } from './actions/defer.ts';
import { sendNotification } from './actions/send-notification.ts';
import { updateStatus } from './actions/update-status.ts';
import { callWebhook } from './webhook/call-webhook.ts';

/**
 * Processes one action command: runs it within the command's tenant and records the
 * outcome on the execution. Handlers are idempotent by command id, so a redelivery after a
 * crash between the effect and the ack leaves one notification or task.
 */
export class ActionProcessor {
  readonly #context: ActionContext;
  readonly #maxAttempts: number;

  /** `maxDeliveryAttempts`: the bus's limit, so that a handler knows its last chance (default 5). */
  constructor(context: ActionContext & { maxDeliveryAttempts?: number }) {
    const { maxDeliveryAttempts = 5, ...rest } = context;
    this.#context = rest;
    this.#maxAttempts = maxDeliveryAttempts;
  }

  async process(message: IncomingMessage): Promise<void> {
    const stopTimer = metrics().processingSeconds.startTimer({ stage: 'executor' });
    let outcome = 'error';
    try {
      outcome = await this.#process(message);
    } finally {
      stopTimer({ outcome });
    }
  }

  async #process(message: IncomingMessage): Promise<ActionResult['status'] | 'deferred'> {
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
    let result: ActionResult;
    const eventTimeHeader = message.headers[HEADERS.eventTime];
    const eventTime = typeof eventTimeHeader === 'string' ? eventTimeHeader : undefined;
    try {
      const delivery = { count: message.deliveryCount, maxAttempts: this.#maxAttempts, eventTime };
      result = { ...(await this.#run(command, { ...this.#context, logger, traceparent: formatTraceparent(trace), delivery })), deliveries: message.deliveryCount };
    } catch (error) {
      if (error instanceof DeferError) {
        await this.#defer(command, error, eventTime);
        logger.info({ run_at: error.runAt.toISOString(), reason: error.message }, 'action put off');
        metrics().actionsExecuted.inc({ ...counted, outcome: 'deferred' });
        return 'deferred';
      }
      metrics().actionsExecuted.inc({ ...counted, outcome: 'error' });
      throw error;
    }
    const recorded = await this.#context.stores.executions.recordActionResult(command.tenant_id, command.execution_id, command.action_index, result);
    if (!recorded) logger.warn({ execution_id: command.execution_id }, 'no execution to record the action outcome on');
    logger.info({ status: result.status, error: result.error, delivery: message.deliveryCount }, 'action executed');
    metrics().actionsExecuted.inc({ ...counted, outcome: result.status });
    const eventMs = Date.parse(eventTime ?? '');
    // A publisher's skewed clock can put the event time after now: that counts as 0, not negative.
    if (Number.isFinite(eventMs)) metrics().endToEndSeconds.observe(counted, Math.max(0, Date.now() - eventMs) / 1000);
    return result.status;
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

  #run(command: ActionCommand, context: ActionContext): Promise<ActionResult> {
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
