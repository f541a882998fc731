import { failed, provenance, succeeded, type ActionHandler, type CommandOf } from './action-context.ts';

/**
 * Stores the notification in the tenant's outbox (keyed by the command id, so a redelivered
 * command adds nothing) and, when SMTP is configured, sends it as an e-mail.
 */
export const sendNotification: ActionHandler<CommandOf<'send_notification'>> = async (command, { stores, mailer, logger }) => {
  const { recipient, message, subject } = command.parameters;
  const created = await stores.notifications.insertIfAbsent(command.tenant_id, {
    id: command.id,
    ...provenance(command),
    recipient,
    message,
    ...(subject === undefined ? {} : { subject }),
    email_status: mailer ? 'pending' : 'not_configured',
  });
  logger.info({ recipient, notification_id: command.id, duplicate: !created }, 'notification stored');
  if (!mailer) return succeeded();

  const stored = await stores.notifications.get(command.tenant_id, command.id);
  if (stored?.email_status === 'sent') return succeeded();
  try {
    await mailer.send({ to: recipient, subject: subject ?? 'Flowline notification', text: message });
    await stores.notifications.setEmailStatus(command.tenant_id, command.id, 'sent');
    return succeeded();
  } catch (error) {
    const reason = `e-mail to ${recipient} failed: ${error instanceof Error ? error.message : String(error)}`;
    await stores.notifications.setEmailStatus(command.tenant_id, command.id, 'failed', reason);
    return failed(reason);
  }
};
