import { failed, type ActionHandler, type CommandOf } from './action-context.ts';

/**
 * Flowline does not hold CRM or Sales entities yet (the modules issue adds them), so no
 * entity id can be found: the action fails with that reason, recorded on the execution,
 * rather than pretending to have changed something.
 */
export const updateStatus: ActionHandler<CommandOf<'update_status'>> = async (command) =>
  failed(`entity not found: '${command.parameters.entity_id}' in tenant '${command.tenant_id}'`);
