import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api.ts';
import { ErrorNote, formatTime } from '../components/common.tsx';
import { useGet, useSession } from '../session.tsx';

interface SecretView {
  secret_hint: string;
  created_at: string;
  previous?: { secret_hint: string; expires_at: string };
  /** Only in the answer that created it. */
  secret?: string;
}

function Threshold() {
  const get = useGet();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => get<Record<string, unknown>>('/automation/settings') });
  const [threshold, setThreshold] = useState('');
  const [status, setStatus] = useState('');
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (settings.data) setThreshold(String(settings.data['high_value_threshold'] ?? ''));
  }, [settings.data]);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setStatus('');
    try {
      // Sent back as read, so fields this console does not know are kept.
      await call('PUT', '/automation/settings', { body: { ...settings.data, high_value_threshold: Number(threshold) } });
      setStatus('Saved.');
      await queryClient.invalidateQueries({ queryKey: ['settings'] });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <form onSubmit={(e) => void save(e)} className="card" aria-labelledby="threshold-title">
      <h2 id="threshold-title">High-value threshold</h2>
      <p className="muted">An opportunity whose value reaches it raises high_value_opportunity.</p>
      {settings.error ? <ErrorNote error={settings.error} what="Automation settings" /> : null}
      <label className="field">
        Threshold
        <input type="number" min={0} value={threshold} onChange={(e) => setThreshold(e.target.value)} required />
      </label>
      <div className="row">
        <button type="submit" disabled={!settings.data}>
          Save threshold
        </button>
        <p role="status" className="ok-text">
          {status}
        </p>
      </div>
      {error ? <ErrorNote error={error} /> : null}
    </form>
  );
}

function WebhookSecret() {
  const get = useGet();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const current = useQuery({ queryKey: ['webhook-secret'], queryFn: () => get<SecretView>('/automation/settings/webhook-secret'), retry: false });
  const [created, setCreated] = useState<SecretView | null>(null);
  const [error, setError] = useState<unknown>(null);
  const none = current.error instanceof ApiError && current.error.status === 404 && !current.error.missing;

  async function rotate() {
    setError(null);
    try {
      setCreated((await call<SecretView>('POST', '/automation/settings/webhook-secret', { body: {} })).body);
      await queryClient.invalidateQueries({ queryKey: ['webhook-secret'] });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section className="card" aria-labelledby="secret-title">
      <h2 id="secret-title">Webhook signing secret</h2>
      <p className="muted">call_webhook actions sign each request with it; a rule with a webhook cannot be saved without one.</p>
      {current.data ? (
        <p>
          Current secret <code>{current.data.secret_hint}</code>, created {formatTime(current.data.created_at)}
          {current.data.previous ? `; the previous one (${current.data.previous.secret_hint}) still signs until ${formatTime(current.data.previous.expires_at)}` : ''}.
        </p>
      ) : none ? (
        <p>There is no secret yet.</p>
      ) : current.error ? (
        <ErrorNote error={current.error} what="Webhook secrets" />
      ) : null}
      {created?.secret ? (
        <div className="note" role="status">
          <p>Copy it now: this is the only time it is shown.</p>
          <label className="field">
            New secret
            <input readOnly value={created.secret} className="mono" onFocus={(e) => e.target.select()} />
          </label>
        </div>
      ) : null}
      {current.data || none ? (
        <button type="button" onClick={() => void rotate()}>
          {current.data ? 'Rotate the secret' : 'Create a secret'}
        </button>
      ) : null}
      {error ? <ErrorNote error={error} /> : null}
    </section>
  );
}

/** The tenant's automation settings and webhook secret. */
export function Settings() {
  return (
    <div className="settings">
      <h1>Settings</h1>
      <div className="cards">
        <Threshold />
        <WebhookSecret />
      </div>
    </div>
  );
}
