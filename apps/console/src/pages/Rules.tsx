import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'wouter';
import { allPages, query } from '../api.ts';
import { Badge, ErrorNote, formatTime, Select } from '../components/common.tsx';
import type { Rule, Trigger } from '../model.ts';
import { useGet, useSession } from '../session.tsx';

export function Rules() {
  const get = useGet();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [moduleType, setModuleType] = useState('');
  const [active, setActive] = useState('');
  const [confirming, setConfirming] = useState<string | null>(null);

  const path = `/automation/rules${query({ module_type: moduleType, is_active: active })}`;
  // Every page: the text filter below searches all of the tenant's rules, not the first 50.
  const rules = useQuery({ queryKey: ['rules', path], queryFn: () => allPages<Rule>(get, path) });
  const triggers = useQuery({ queryKey: ['triggers'], queryFn: () => get<Trigger[]>('/automation/triggers') });

  const toggle = useMutation({
    mutationFn: (rule: Rule) => call<Rule>('PUT', `/automation/rules/${rule.id}/toggle${query({ is_active: !rule.is_active })}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['rules'] }),
  });
  const remove = useMutation({
    mutationFn: (id: string) => call('DELETE', `/automation/rules/${id}`),
    onSuccess: () => setConfirming(null),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['rules'] }),
  });

  const needle = text.trim().toLowerCase();
  const shown = (rules.data?.items ?? []).filter(
    (r) => !needle || r.name.toLowerCase().includes(needle) || r.trigger_id.includes(needle) || r.description.toLowerCase().includes(needle),
  );
  const describe = (id: string) => triggers.data?.find((t) => t.id === id)?.description;

  return (
    <section aria-labelledby="rules-title">
      <div className="title-row">
        <h1 id="rules-title">Rules</h1>
        <Link className="button" href="/rules/new">
          New rule
        </Link>
        <Link className="button secondary" href="/templates">
          From a template
        </Link>
      </div>
      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <label>
          Filter
          <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="name, trigger or description" />
        </label>
        <Select label="Module" value={moduleType} onChange={setModuleType} all options={[['crm', 'crm'], ['sales', 'sales']]} />
        <Select label="State" value={active} onChange={setActive} all options={[['true', 'active'], ['false', 'paused']]} />
      </form>
      {rules.error ? <ErrorNote error={rules.error} /> : null}
      {toggle.error ? <ErrorNote error={toggle.error} /> : null}
      {remove.error ? <ErrorNote error={remove.error} /> : null}
      {rules.isLoading ? <p>Loading…</p> : null}
      {rules.data && shown.length === 0 ? <p className="note">No rules{needle || moduleType || active ? ' match the filter' : ' yet'}.</p> : null}
      <ul className="cards" aria-label="Rules">
        {shown.map((rule) => (
          <li key={rule.id} className="card">
            <div className="card-head">
              <h2>
                <Link href={`/rules/${rule.id}`}>{rule.name}</Link>
              </h2>
              <Badge tone={rule.is_active ? 'ok' : 'muted'}>{rule.is_active ? 'active' : 'paused'}</Badge>
              {rule.version !== undefined ? <Badge tone="muted">v{rule.version}</Badge> : null}
            </div>
            <p>
              <code>
                {rule.module_type}.{rule.trigger_id}
              </code>{' '}
              {describe(rule.trigger_id) ?? ''} · {rule.conditions.length} condition(s) · {rule.actions.length} action(s) · changed {formatTime(rule.updated_at)}
            </p>
            {rule.description ? <p className="muted">{rule.description}</p> : null}
            <div className="row">
              <button
                type="button"
                aria-label={`${rule.is_active ? 'Pause' : 'Activate'} ${rule.name}`}
                onClick={() => toggle.mutate(rule)}
                disabled={toggle.isPending}
              >
                {rule.is_active ? 'Pause' : 'Activate'}
              </button>
              <Link className="button secondary" href={`/rules/${rule.id}/history`} aria-label={`History of ${rule.name}`}>
                History
              </Link>
              <Link className="button secondary" href={`/events?rule_id=${rule.id}`} aria-label={`Executions of ${rule.name}`}>
                Executions
              </Link>
              {confirming === rule.id ? (
                <>
                  <button type="button" className="danger" aria-label={`Really delete ${rule.name}`} onClick={() => remove.mutate(rule.id)} disabled={remove.isPending}>
                    Really delete?
                  </button>
                  <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                    Keep it
                  </button>
                </>
              ) : (
                <button type="button" className="secondary" aria-label={`Delete ${rule.name}`} onClick={() => setConfirming(rule.id)}>
                  Delete
                </button>
              )}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
