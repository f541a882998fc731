import type { ReactNode } from 'react';
import { ApiError } from '../api.ts';
import { useSession } from '../session.tsx';

/** An api error as text a person can act on; `what` names the feature for a missing endpoint. */
export function ErrorNote({ error, what }: { error: unknown; what?: string }) {
  const { credentials, signOut } = useSession();
  if (error instanceof ApiError && error.missing) {
    return (
      <p className="note" role="status">
        {what ?? 'This feature'} is not available on this server (its api does not have the endpoint yet).
      </p>
    );
  }
  if (error instanceof ApiError) {
    const { problem } = error;
    return (
      <div className="error" role="alert">
        <strong>
          {error.status} {problem.title ?? ''}
        </strong>
        {problem.detail ? <span>: {problem.detail}</span> : null}
        {problem.errors?.length ? (
          <ul>
            {problem.errors.map((e, i) => (
              <li key={i}>
                <code>{e.path}</code> {e.message}
              </li>
            ))}
          </ul>
        ) : null}
        {problem.correlation_id ? <small> (correlation id {problem.correlation_id})</small> : null}
        {error.status === 401 && credentials ? (
          <p>
            The api no longer accepts these credentials (an expired token?).{' '}
            <button type="button" className="secondary" onClick={signOut}>
              Sign in again
            </button>
          </p>
        ) : null}
      </div>
    );
  }
  return (
    <div className="error" role="alert">
      {error instanceof Error ? error.message : String(error)}
    </div>
  );
}

export function Json({ value }: { value: unknown }) {
  return <code className="json">{value === undefined ? '(missing)' : JSON.stringify(value)}</code>;
}

export function Badge({ tone, children }: { tone: 'ok' | 'bad' | 'warn' | 'muted'; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A labelled select of `[value, text]` options; `all` adds a first option with the empty value. */
export function Select({ label, value, onChange, options, all }: { label: string; value: string; onChange(value: string): void; options: Array<[string, string]>; all?: boolean }) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {all ? <option value="">all</option> : null}
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
