import { parseIsoDuration } from '@flowline/contracts';
import { provenance, succeeded, type ActionHandler, type CommandOf } from './action-context.ts';

/**
 * Stores a task in the tenant's task list, keyed by the command id. `due_in` becomes `due_date`:
 * that long after the event's time (the command's issue time when the event time is unknown).
 */
export const createTask: ActionHandler<CommandOf<'create_task'>> = async (command, { stores, logger, delivery }) => {
  const { due_in, ...parameters } = command.parameters;
  const base = Date.parse(delivery?.eventTime ?? '') || Date.parse(command.issued_at);
  const dueIn = due_in === undefined ? undefined : parseIsoDuration(due_in);
  const created = await stores.tasks.insertIfAbsent(command.tenant_id, {
    id: command.id,
    ...provenance(command),
    ...parameters,
    ...(dueIn === undefined ? {} : { due_date: new Date(base + dueIn).toISOString() }),
    status: 'open',
  });
  logger.info({ task_id: command.id, duplicate: !created }, 'task stored');
  return succeeded();
};
