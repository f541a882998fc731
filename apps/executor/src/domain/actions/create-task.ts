import { provenance, succeeded, type ActionHandler, type CommandOf } from './action-context.ts';

/** Stores a task in the tenant's task list, keyed by the command id. */
export const createTask: ActionHandler<CommandOf<'create_task'>> = async (command, { stores, logger }) => {
  const created = await stores.tasks.insertIfAbsent(command.tenant_id, {
    id: command.id,
    ...provenance(command),
    ...command.parameters,
    status: 'open',
  });
  logger.info({ task_id: command.id, duplicate: !created }, 'task stored');
  return succeeded();
};
