import { parseIsoDuration, type Action } from '@flowline/contracts';
import { renderTemplate } from './render-template.ts';

/** When a matched action runs: now, at a time, or never (its schedule is invalid, and why). */
export type ActionTiming = { at: 'now' } | { at: 'later'; run_at: string } | { at: 'invalid'; error: string };

/**
 * The time an action with `delay` (from `matchedAt`) or `run_at` (rendered from the event) is
 * due. A time in the past runs at once; one beyond `maxAheadMs` is refused, as is a `run_at`
 * that does not render to an ISO time.
 */
export function actionTiming(action: Pick<Action, 'delay' | 'run_at'>, context: Record<string, unknown>, matchedAt: Date, maxAheadMs: number): ActionTiming {
  let due: number;
  if (action.delay !== undefined) {
    const ms = parseIsoDuration(action.delay);
    if (ms === undefined) return { at: 'invalid', error: `delay '${action.delay}' is not an ISO-8601 duration` };
    due = matchedAt.getTime() + ms;
  } else if (action.run_at !== undefined) {
    const rendered = renderTemplate(action.run_at, context).value;
    // Date.parse takes many forms; only an ISO date or date-time is meant here.
    due = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(rendered) ? Date.parse(rendered) : NaN;
    if (!Number.isFinite(due)) return { at: 'invalid', error: `run_at rendered '${rendered.slice(0, 100)}', which is not an ISO time` };
  } else {
    return { at: 'now' };
  }
  if (due - matchedAt.getTime() > maxAheadMs) {
    return { at: 'invalid', error: `the action would run more than ${Math.round(maxAheadMs / 86_400_000)} days ahead, past the limit` };
  }
  return { at: 'later', run_at: new Date(Math.max(due, matchedAt.getTime())).toISOString() };
}

/**
 * The body a `call_webhook` without `body` sends: the event, the rule and the tenant. The engine
 * fills it in when the rule matches, since only it holds the event's data.
 */
export function defaultWebhookBody(
  event: { id: string; type: string; module_type: string; time: string; data: Record<string, unknown>; correlation_id: string },
  rule: { id: string; name: string },
  tenant: string,
): Record<string, unknown> {
  return {
    tenant_id: tenant,
    event: { id: event.id, type: event.type, module_type: event.module_type, time: event.time, correlation_id: event.correlation_id, data: event.data },
    rule: { id: rule.id, name: rule.name },
  };
}
