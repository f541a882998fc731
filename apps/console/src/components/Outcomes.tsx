import type { ConditionOutcome } from '../model.ts';
import { Badge, formatTime, Json } from './common.tsx';

/** Each condition's verdict with the value it saw: the "why" and "why not" of a rule. */
export function ConditionOutcomes({ outcomes, label = 'Conditions' }: { outcomes: ConditionOutcome[]; label?: string }) {
  if (outcomes.length === 0) return <p className="muted">No conditions: the rule matches every event of its trigger.</p>;
  return (
    <ul className="outcomes" aria-label={label}>
      {outcomes.map((o, i) => (
        <li key={i} className={o.passed ? 'passed' : 'failed'}>
          <Badge tone={o.passed ? 'ok' : 'bad'}>{o.passed ? 'passed' : 'failed'}</Badge>{' '}
          {o.conditions ? (
            <>
              <strong>{o.type}</strong> of:
              <ConditionOutcomes outcomes={o.conditions} label={`${o.type} group`} />
            </>
          ) : (
            <>
              <code>{o.field ?? 'value'}</code> {o.type} <Json value={o.expected} />: saw <Json value={o.actual} />
            </>
          )}
        </li>
      ))}
    </ul>
  );
}

export interface ActionOutcomeView {
  index?: number;
  type: string;
  status?: string;
  parameters?: Record<string, unknown>;
  error?: string;
  missing_placeholders?: string[];
  /** A scheduled action's due time. */
  run_at?: string;
  /** What a webhook answered. */
  response?: { status: number; duration_ms: number; body_excerpt?: string };
}

/** Executions: pending/succeeded/failed/dead_lettered; the rule test: would_run/would_fail/not_run. */
const ACTION_TONE: Record<string, 'ok' | 'bad' | 'warn' | 'muted'> = {
  succeeded: 'ok',
  would_run: 'ok',
  pending: 'warn',
  scheduled: 'warn',
  not_run: 'muted',
  cancelled: 'muted',
};

export function ActionOutcomes({ actions }: { actions: ActionOutcomeView[] }) {
  if (actions.length === 0) return <p className="muted">No actions.</p>;
  return (
    <ol className="actions-out" aria-label="Actions">
      {actions.map((a, i) => (
        <li key={i}>
          <strong>{a.type}</strong>{' '}
          {a.status ? <Badge tone={ACTION_TONE[a.status] ?? 'bad'}>{a.status.replace('_', ' ')}</Badge> : null}
          {a.run_at ? <span className="muted"> due {formatTime(a.run_at)}</span> : null}
          {a.response ? (
            <span className="muted">
              {' '}
              answered HTTP {a.response.status} in {a.response.duration_ms} ms
            </span>
          ) : null}
          {a.error ? <p className="error-text">{a.error}</p> : null}
          {a.missing_placeholders?.length ? (
            <p className="warning">Missing placeholders: {a.missing_placeholders.map((p) => `{{${p}}}`).join(', ')}</p>
          ) : null}
          {a.parameters ? (
            <dl className="params">
              {Object.entries(a.parameters).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd className="rendered">{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
                </div>
              ))}
            </dl>
          ) : null}
        </li>
      ))}
    </ol>
  );
}
