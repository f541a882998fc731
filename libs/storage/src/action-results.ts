import { executionStatusOf, type ActionResultRecord, type Execution } from '@flowline/contracts';

/**
 * Executions are written once, by the engine; each action's outcome is a record of its own
 * (see ExecutionStore.recordActionResult). This lays the outcomes over the executions' actions
 * and sets each execution's overall status. Changes the executions given.
 */
export function mergeActionResults(executions: Execution[], results: Iterable<ActionResultRecord>): Execution[] {
  const byExecution = new Map<string, ActionResultRecord[]>();
  for (const result of results) {
    const list = byExecution.get(result.execution_id);
    if (list === undefined) byExecution.set(result.execution_id, [result]);
    else list.push(result);
  }
  for (const execution of executions) {
    for (const result of byExecution.get(execution.id) ?? []) {
      const action = execution.actions.find((candidate) => candidate.index === result.action_index && candidate.command_id === result.command_id);
      if (action === undefined) continue;
      action.status = result.status;
      if (result.error === undefined) delete action.error;
      else action.error = result.error;
      action.completed_at = result.completed_at;
      if (result.deliveries !== undefined) action.deliveries = result.deliveries;
      if (result.response === undefined) delete action.response;
      else action.response = result.response;
      if (result.admission === undefined) delete action.admission;
      else action.admission = result.admission;
      if (result.completed_at > execution.updated_at) execution.updated_at = result.completed_at;
    }
    execution.status = executionStatusOf(execution.actions);
  }
  return executions;
}
