import { ActionSchema, type Action } from '@flowline/contracts';
import { placeholdersOf, type CompiledParameters } from './compile-rule.ts';

/** An action's parameters rendered for one event, and whether they can be sent. */
export interface PreparedAction {
  parameters: Record<string, unknown>;
  /** Placeholders that had no value in the event (nor tenant_id, event_id, trigger_id). */
  missing_placeholders: string[];
  /** Why the action must not run; absent when it may. */
  error?: string;
}

/**
 * Renders one action and decides whether it may run. A placeholder without a value fails the
 * action: rendered as empty it would send "Call " and report success, which hides the mistake.
 * Parameters that render invalid (a required one left empty, one too long) fail it too. The
 * engine and the rule test both decide here, so a test shows exactly what a run would do.
 */
export function prepareAction(action: Action, compiled: CompiledParameters<Record<string, unknown>>, context: Record<string, unknown>): PreparedAction {
  const rendered = compiled(context);
  const prepared: PreparedAction = { parameters: rendered.value, missing_placeholders: rendered.missing };
  if (rendered.missing.length > 0) {
    const names = rendered.missing.map((path) => `{{${path}}}`).join(', ');
    // Only on failure: which parameters held them, so the message points at what to fix.
    const where = Object.entries(action.parameters)
      .filter(([, raw]) => placeholdersOf(typeof raw === 'string' ? raw : JSON.stringify(raw)).some((path) => rendered.missing.includes(path)))
      .map(([name]) => name);
    return { ...prepared, error: `template values missing: ${names} (in ${where.join(', ')}) had no value in the event, so the action was not run` };
  }
  const check = ActionSchema.safeParse({ type: action.type, parameters: rendered.value });
  if (!check.success) {
    // The first few, each cut short: this text is stored on the execution and shown in lists.
    const issues = check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`.slice(0, 200));
    const problems = `${issues.slice(0, 5).join('; ')}${issues.length > 5 ? `; and ${issues.length - 5} more` : ''}`;
    return { ...prepared, error: `rendered parameters are invalid: ${problems}` };
  }
  return prepared;
}
