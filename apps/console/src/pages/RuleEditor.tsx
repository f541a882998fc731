import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { RuleGroupType } from 'react-querybuilder';
import { Link, useLocation, useParams } from 'wouter';
import { ApiError } from '../api.ts';
import { ConditionBuilder } from '../components/ConditionBuilder.tsx';
import { Badge, ErrorNote } from '../components/common.tsx';
import { ActionsEditor } from '../components/ActionsEditor.tsx';
import {
  actionsToApi,
  conditionsToQuery,
  CONTEXT_FIELDS,
  queryToConditions,
  triggerFields,
  newEditorAction,
  toEditorAction,
  type EditorAction,
  type Draft,
  type ModuleType,
  type Rule,
  type Trigger,
  type Warning,
} from '../model.ts';
import { useGet, useSession } from '../session.tsx';
import { TestPanel } from './TestPanel.tsx';

/** Warnings of the last save, kept across the navigation from "new" to the saved rule's page. */
const savedWarnings = new Map<string, Warning[]>();

type Saved = Rule & { warnings?: Warning[] };

export function RuleEditor() {
  const params = useParams<{ id?: string }>();
  const ruleId = params.id;
  const get = useGet();
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const datalistId = useId();

  const triggers = useQuery({ queryKey: ['triggers'], queryFn: () => get<Trigger[]>('/automation/triggers') });
  const loaded = useQuery({
    queryKey: ['rule', ruleId],
    enabled: ruleId !== undefined,
    queryFn: () => call<Rule>('GET', `/automation/rules/${ruleId}`).then((r) => ({ rule: r.body, etag: r.headers.get('etag') ?? undefined })),
  });

  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [triggerId, setTriggerId] = useState('');
  const [query, setQuery] = useState<RuleGroupType>({ combinator: 'and', rules: [] });
  const [actions, setActions] = useState<EditorAction[]>([newEditorAction()]);
  const [isActive, setIsActive] = useState(true);
  const [base, setBase] = useState<{ version?: number | undefined; etag?: string | undefined }>({});
  const [warnings, setWarnings] = useState<Warning[]>(() => (ruleId ? (savedWarnings.get(ruleId) ?? []) : []));
  const [error, setError] = useState<unknown>(null);
  const [conflict, setConflict] = useState<Rule | null>(null);
  const [status, setStatus] = useState('');
  const [saving, setSaving] = useState(false);
  /** The rule and version this editor saved last: its refetch must not reset the form (another rule's must). */
  const justSaved = useRef<{ id: string; version: number } | undefined>(undefined);

  function fill(rule: Rule, etag: string | undefined) {
    setName(rule.name);
    setDescription(rule.description);
    setTriggerId(rule.trigger_id);
    setQuery(conditionsToQuery(rule.conditions));
    setActions(rule.actions.map(toEditorAction));
    setIsActive(rule.is_active);
    setBase({ version: rule.version, etag });
  }

  useEffect(() => {
    if (!loaded.data) return;
    // The refetch after our own save brings back what the form already holds, and the author may have typed on
    // since: only the etag is new.
    const saved = justSaved.current;
    if (saved !== undefined && loaded.data.rule.id === saved.id && loaded.data.rule.version === saved.version) {
      setBase({ version: loaded.data.rule.version, etag: loaded.data.etag });
      return;
    }
    fill(loaded.data.rule, loaded.data.etag);
    // Only a freshly loaded rule resets the form, never a refetch of the same version.
  }, [loaded.data?.rule.id, loaded.data?.rule.version, loaded.data?.rule.updated_at]);

  const trigger = triggers.data?.find((t) => t.id === triggerId);
  const moduleType: ModuleType | undefined = trigger?.module_type ?? loaded.data?.rule.module_type;
  const fields = useMemo(() => triggerFields(trigger), [trigger]);
  const placeholderFields = useMemo(() => [...fields, ...CONTEXT_FIELDS.filter((c) => !fields.some((f) => f.name === c.name))], [fields]);

  const { actions: apiActions, errors: actionErrors } = actionsToApi(actions);
  const draft: Draft = {
    name: name.trim(),
    description,
    module_type: moduleType ?? 'sales',
    trigger_id: triggerId,
    conditions: queryToConditions(query, fields),
    actions: apiActions,
    is_active: isActive,
  };

  /** `conditions.0.conditions.1.field` → "Condition 1.2", as the builder numbers them. */
  const conditionLabel = (path: string) => {
    const indexes = [...path.matchAll(/(?:^|\.)conditions\.(\d+)/g)].map((m) => Number(m[1]) + 1);
    return indexes.length ? `Condition ${indexes.join('.')}: ` : '';
  };
  const otherWarnings = warnings.filter((w) => !/^(conditions|actions)(\.|$)/.test(w.path));

  async function save(event?: FormEvent, overwrite?: Rule) {
    event?.preventDefault();
    setSaving(true);
    setError(null);
    setStatus('');
    try {
      let saved: Saved;
      if (ruleId === undefined) {
        saved = (await call<Saved>('POST', '/automation/rules', { body: draft })).body;
      } else {
        const against = overwrite ? { version: overwrite.version, etag: undefined } : base;
        const { module_type: _m, trigger_id: _t, ...editable } = draft;
        // The expected version: the ETag when the server gives one, else `version` in the body.
        const headers: Record<string, string> = against.etag ? { 'if-match': against.etag } : {};
        const body = !against.etag && against.version !== undefined ? { ...editable, version: against.version } : editable;
        saved = (await call<Saved>('PUT', `/automation/rules/${ruleId}`, { body, headers })).body;
      }
      const nextWarnings = saved.warnings ?? [];
      setWarnings(nextWarnings);
      setConflict(null);
      setStatus(`Saved${saved.version !== undefined ? ` as version ${saved.version}` : ''}${nextWarnings.length ? ` with ${nextWarnings.length} warning(s)` : ''}.`);
      await queryClient.invalidateQueries({ queryKey: ['rules'] });
      await queryClient.invalidateQueries({ queryKey: ['versions', saved.id] });
      if (ruleId === undefined) {
        savedWarnings.set(saved.id, nextWarnings);
        navigate(`/rules/${saved.id}`);
      } else {
        setBase({ version: saved.version, etag: undefined });
        justSaved.current = saved.version === undefined ? undefined : { id: saved.id, version: saved.version };
        await queryClient.invalidateQueries({ queryKey: ['rule', ruleId] });
      }
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && ruleId !== undefined) {
        // Someone saved in between: show theirs, and let the author choose.
        try {
          setConflict((await call<Rule>('GET', `/automation/rules/${ruleId}`)).body);
        } catch {
          setConflict(null);
        }
      }
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  if (ruleId !== undefined && loaded.error) return <ErrorNote error={loaded.error} what="This rule" />;
  if (ruleId !== undefined && !loaded.data) return <p>Loading…</p>;

  const modules: ModuleType[] = ['crm', 'sales'];
  return (
    <div className="editor">
      <form className="editor-form" onSubmit={(e) => void save(e)} aria-labelledby="editor-title">
        <div className="title-row">
          <h1 id="editor-title">{ruleId ? `Edit rule` : 'New rule'}</h1>
          {base.version !== undefined ? <Badge tone="muted">version {base.version}</Badge> : null}
          {ruleId ? (
            <Link className="button secondary" href={`/rules/${ruleId}/history`}>
              History
            </Link>
          ) : null}
        </div>

        <label className="field">
          Name
          <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        </label>
        <label className="field">
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={2000} />
        </label>

        <label className="field">
          Trigger
          <select aria-label="Trigger" value={triggerId} onChange={(e) => setTriggerId(e.target.value)} required disabled={ruleId !== undefined} aria-describedby="trigger-help">
            <option value="">Choose a trigger…</option>
            {modules.map((m) => (
              <optgroup key={m} label={m === 'crm' ? 'CRM' : 'Sales'}>
                {(triggers.data ?? [])
                  .filter((t) => t.module_type === m)
                  .map((t) => (
                    <option key={t.id} value={t.id}>
                      {t.id}: {t.description}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <small id="trigger-help" className="muted">
          {ruleId ? 'A rule keeps its trigger; make a new rule for another one.' : 'The module comes with the trigger.'}
        </small>
        {trigger ? (
          <details className="trigger-fields">
            <summary>
              What {trigger.id} events carry ({fields.length} field{fields.length === 1 ? '' : 's'})
            </summary>
            <ul>
              {fields.map((f) => (
                <li key={f.name}>
                  <code>{f.name}</code> <span className="muted">{f.type}</span>
                  {f.required ? ' (always)' : ''}
                  {f.description ? `: ${f.description}` : ''}
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        {triggers.error ? <ErrorNote error={triggers.error} /> : null}

        <fieldset className="conditions">
          <legend>Conditions</legend>
          <ConditionBuilder query={query} onChange={setQuery} fields={fields} moduleType={moduleType} datalistId={`${datalistId}-fields`} />
          {warnings
            .filter((w) => w.path === 'conditions' || w.path.startsWith('conditions.'))
            .map((w, i) => (
              <p key={i} className="warning" role="status">
                {conditionLabel(w.path)}
                {w.message}
              </p>
            ))}
        </fieldset>

        <ActionsEditor actions={actions} setActions={setActions} fields={placeholderFields} warnings={[...warnings, ...actionErrors]} />

        <label className="check">
          <input type="checkbox" checked={isActive} onChange={(e) => setIsActive(e.target.checked)} /> Active
        </label>

        {otherWarnings.length ? (
          <ul className="warnings" aria-label="Warnings">
            {otherWarnings.map((w, i) => (
              <li key={i} className="warning">
                <code>{w.path}</code> {w.message}
              </li>
            ))}
          </ul>
        ) : null}

        {conflict ? (
          <div className="conflict" role="alert">
            <h2>Someone else changed this rule</h2>
            <p>
              It is now at version {conflict.version ?? '?'}, changed {new Date(conflict.updated_at).toLocaleString()}, and your edit was made on version{' '}
              {base.version ?? '?'}. Nothing of yours was saved.
            </p>
            <div className="row">
              <button type="button" onClick={() => {
                  fill(conflict, undefined);
                  setConflict(null);
                  setError(null);
                }}>
                Load their version
              </button>
              <button type="button" className="danger" onClick={() => void save(undefined, conflict)}>
                Overwrite with mine
              </button>
            </div>
          </div>
        ) : error ? (
          <ErrorNote error={error} />
        ) : null}

        <div className="row sticky">
          <button type="submit" disabled={saving || !triggerId || actionErrors.length > 0}>
            {saving ? 'Saving…' : 'Save rule'}
          </button>
          <p role="status" aria-live="polite" className="ok-text">
            {status}
          </p>
        </div>
      </form>
      <TestPanel draft={draft} trigger={trigger} ruleId={ruleId} onWarnings={setWarnings} />
    </div>
  );
}
