import { useState, type FormEvent } from 'react';
import { request, type Credentials } from '../api.ts';
import { ErrorNote } from '../components/common.tsx';
import { useSession } from '../session.tsx';

/** Paste a bearer token (AUTH_MODE=jwt) or name a tenant (AUTH_MODE=trusted-header). */
export function SignIn() {
  const { signIn } = useSession();
  const [mode, setMode] = useState<Credentials['mode']>('tenant');
  const [token, setToken] = useState('');
  const [tenant, setTenant] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const credentials: Credentials = mode === 'token' ? { mode, token: token.trim() } : { mode, tenant: tenant.trim() };
    setBusy(true);
    setError(null);
    try {
      // Any read proves the credentials: the api answers 401/403/400 to bad ones.
      await request(credentials, 'GET', '/automation/triggers');
      signIn(credentials);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="signin">
      <h1>Sign in to the Flowline console</h1>
      <form onSubmit={submit}>
        <fieldset>
          <legend>How does this api identify you?</legend>
          <label>
            <input type="radio" name="mode" checked={mode === 'tenant'} onChange={() => setMode('tenant')} /> Tenant id (trusted-header mode)
          </label>
          <label>
            <input type="radio" name="mode" checked={mode === 'token'} onChange={() => setMode('token')} /> Bearer token (jwt mode)
          </label>
        </fieldset>
        {mode === 'tenant' ? (
          <label className="field">
            Tenant id
            <input value={tenant} onChange={(e) => setTenant(e.target.value)} required autoComplete="organization" placeholder="acme-corp" />
          </label>
        ) : (
          <label className="field">
            Bearer token
            <textarea value={token} onChange={(e) => setToken(e.target.value)} required rows={4} placeholder="eyJ…  (npm run token -- --tenant acme-corp)" />
          </label>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
      {error ? <ErrorNote error={error} /> : null}
      <p className="hint">The credentials stay in this browser tab only (session storage) and go to this api alone.</p>
    </main>
  );
}
