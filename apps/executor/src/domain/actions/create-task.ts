import { parseIsoDuration, type ActionResult } from '@flowline/contracts';
import { provenance, RecordedResult, succeeded, type ActionHandler, type CommandOf } from './action-context.ts';

/**
 * Stores a task in the tenant's task list, keyed by the command id. `due_in` becomes `due_date`:
 * that long after the event's time (the command's issue time when the event time is unknown). The action has
 * succeeded once the task is stored, so its result goes to the store in the same write.
 */
export const createTask: ActionHandler<CommandOf<'create_task'>, ActionResult | RecordedResult> = async (command, { stores, logger, delivery, resultRecord }) => {
  const { due_in, ...parameters } = command.parameters;
  const base = Date.parse(delivery?.eventTime ?? '') || Date.parse(command.issued_at);
  const dueIn = due_in === undefined ? undefined : parseIsoDuration(due_in);
  const result = succeeded();
  const created = await stores.tasks.insertIfAbsent(
    command.tenant_id,
    {
      id: command.id,
      ...provenance(command),
      ...parameters,
      ...(dueIn === undefined ? {} : { due_date: new Date(base + dueIn).toISOString() }),
      status: 'open',
    },
    resultRecord?.(result),
  );
  logger.info({ task_id: command.id, duplicate: !created }, 'task stored');
  return resultRecord ? new RecordedResult(result) : result;
};
