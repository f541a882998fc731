import type { ActionResult } from '@flowline/contracts';
import { failed, provenance, RecordedResult, succeeded, type ActionHandler, type CommandOf } from './action-context.ts';

/**
 * Stores the notification in the tenant's outbox (keyed by the command id, so a redelivered
 * command adds nothing) and, when SMTP is configured, sends it as an e-mail. Without SMTP the action has
 * succeeded once the notification is stored, so its result goes to the store in the same write.
 */
export const sendNotification: ActionHandler<CommandOf<'send_notification'>, ActionResult | RecordedResult> = async (command, { stores, mailer, logger, resultRecord }) => {
  const { recipient, message, subject } = command.parameters;
  const stored = succeeded();
  const created = await stores.notifications.insertIfAbsent(
    command.tenant_id,
    {
      id: command.id,
      ...provenance(command),
      recipient,
      message,
      ...(subject === undefined ? {} : { subject }),
      email_status: mailer ? 'pending' : 'not_configured',
    },
    mailer ? undefined : resultRecord?.(stored),
  );
  logger.info({ recipient, notification_id: command.id, duplicate: !created }, 'notification stored');
  if (!mailer) return resultRecord ? new RecordedResult(stored) : stored;

  if (!created) {
    // A redelivered command: an earlier delivery may have settled the e-mail already.
    const earlier = await stores.notifications.get(command.tenant_id, command.id);
    if (earlier?.email_status === 'sent') return succeeded();
    if (earlier?.email_status === 'failed') return failed(earlier.email_error ?? `e-mail to ${recipient} was refused`);
  }
  try {
    await mailer.send({ to: recipient, subject: subject ?? 'Flowline notification', text: message });
    await stores.notifications.setEmailStatus(command.tenant_id, command.id, 'sent');
    return succeeded();
  } catch (error) {
    const responseCode = (error as { responseCode?: unknown } | null)?.responseCode;
    if (!isPermanentMailError(error)) {
      // The server may take it later (4xx, a dropped connection, a timeout): thrown, so the
      // bus retries with backoff; 'sent' above keeps the retries from mailing twice.
      logger.warn({ err: error, recipient }, 'e-mail could not be sent now; will retry');
      throw new Error(`e-mail to ${recipient} could not be sent now${typeof responseCode === 'number' ? ` (SMTP ${responseCode})` : ''}`);
    }
    // The tenant sees this reason: the SMTP reply code, never hosts or addresses from the error.
    logger.error({ err: error, recipient }, 'e-mail refused');
    const reason = `e-mail to ${recipient} was refused${typeof responseCode === 'number' ? ` (SMTP ${responseCode})` : ''}`;
    await stores.notifications.setEmailStatus(command.tenant_id, command.id, 'failed', reason);
    return failed(reason);
  }
};

/** A 5xx reply, or a message nodemailer itself will never send (bad envelope or content). */
function isPermanentMailError(error: unknown): boolean {
  const { responseCode, code } = (error ?? {}) as { responseCode?: unknown; code?: unknown };
  if (typeof responseCode === 'number') return responseCode >= 500;
  return code === 'EENVELOPE' || code === 'EMESSAGE';
}
