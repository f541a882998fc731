import { ActionCommandSchema, type ActionCommand, type ActionResult } from '@flowline/contracts';
import { decodeMessage, HEADERS, type IncomingMessage } from '@flowline/messaging';
import { continueTrace, formatTraceparent, metrics, traceFields, TRACEPARENT } from '@flowline/observability';
import type { ActionContext } from './actions/action-context.ts';
import { createTask } from './actions/create-task.ts';
import { sendNotification } from './actions/send-notification.ts';
import { updateStatus } from './actions/update-status.ts';

/**
 * Processes one action command: runs it within the command's tenant and records the
 * outcome on the execution. Handlers are idempotent by command id, so a redelivery after a
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
    const recorded = await this.#context.stores.executions.recordActionResult(command.tenant_id, command.execution_id, command.action_index, result);
    if (!recorded) logger.warn({ execution_id: command.execution_id }, 'no execution to record the action outcome on');
    logger.info({ status: result.status, error: result.error, delivery: message.deliveryCount }, 'action executed');
    metrics().actionsExecuted.inc({ ...counted, outcome: result.status });
    const eventTime = Date.parse(String(message.headers[HEADERS.eventTime] ?? ''));
    // A publisher's skewed clock can put the event time after now: that counts as 0, not negative.
    if (Number.isFinite(eventTime)) metrics().endToEndSeconds.observe(counted, Math.max(0, Date.now() - eventTime) / 1000);
    return result.status;
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
