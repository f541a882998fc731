import { ActionCommandSchema, type ActionCommand, type ActionResult } from '@flowline/contracts';
import { decodeMessage, HEADERS, type GiveUp, type IncomingMessage } from '@flowline/messaging';
import { continueTrace, formatTraceparent, metrics, traceFields, TRACEPARENT } from '@flowline/observability';
import type { ActionContext } from './actions/action-context.ts';
import { createTask } from './actions/create-task.ts';
import { sendNotification } from './actions/send-notification.ts';
import { updateStatus } from './actions/update-status.ts';

/** A dead-letter reason can quote input; what the tenant sees of it stays short. */
const MAX_REASON_LENGTH = 500;

/**
 * Processes one action command: runs it within the command's tenant and records its
 * outcome by command id (merged into the execution on read). Handlers are idempotent by command id, so a redelivery after a
 * crash between the effect and the ack leaves one notification or task.
 */
export class ActionProcessor {
  readonly #context: ActionContext;

  constructor(context: ActionContext) {
    this.#context = context;
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

  async #process(message: IncomingMessage): Promise<ActionResult['status']> {
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
    try {
      result = { ...(await this.#run(command, { ...this.#context, logger, traceparent: formatTraceparent(trace) })), deliveries: message.deliveryCount };
    } catch (error) {
      metrics().actionsExecuted.inc({ ...counted, outcome: 'error' });
      throw error;
    }
    await this.#record(command, result);
    logger.info({ status: result.status, error: result.error, delivery: message.deliveryCount }, 'action executed');
    metrics().actionsExecuted.inc({ ...counted, outcome: result.status });
    const eventTime = Date.parse(String(message.headers[HEADERS.eventTime] ?? ''));
    // A publisher's skewed clock can put the event time after now: that counts as 0, not negative.
    if (Number.isFinite(eventTime)) metrics().endToEndSeconds.observe(counted, Math.max(0, Date.now() - eventTime) / 1000);
    return result.status;
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
    return this.#context.stores.executions.recordActionResult(command.tenant_id, {
      ...result,
      command_id: command.id,
      execution_id: command.execution_id,
      action_index: command.action_index,
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
      default: {
        const unreachable: never = command;
        throw new Error(`unhandled action ${JSON.stringify(unreachable)}`);
      }
    }
  }
}
