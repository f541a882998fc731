import type { Dispatch, SetStateAction } from 'react';
import { ACTION_PARAMETERS, newEditorAction, parameterSpecs, type DataField, type EditorAction, type Warning } from '../model.ts';
import { PlaceholderInput } from './PlaceholderInput.tsx';

/** The rule's actions: type, parameters with placeholder autocomplete, and when each runs. */
export function ActionsEditor({
  actions,
  setActions,
  fields,
  warnings,
}: {
  actions: EditorAction[];
  setActions: Dispatch<SetStateAction<EditorAction[]>>;
  fields: DataField[];
  warnings: Warning[];
}) {
  const update = (index: number, change: Partial<EditorAction>) => setActions((all) => all.map((a, i) => (i === index ? { ...a, ...change } : a)));
  const at = (path: string) => warnings.filter((w) => w.path === path || w.path.startsWith(`${path}.`)).map((w) => w.message);
  return (
    <fieldset className="actions">
      <legend>Actions</legend>
      {actions.map((action, index) => {
        const base = `actions.${index}`;
        const own = warnings.filter((w) => w.path === base || (w.path.startsWith(`${base}.`) && !w.path.startsWith(`${base}.parameters.`)));
        return (
          <div key={index} className="action" role="group" aria-label={`Action ${index + 1}`}>
            <div className="row">
              <label>
                Action {index + 1} type{' '}
                <select value={action.type} onChange={(e) => update(index, { type: e.target.value, params: {} })}>
                  {Object.keys(ACTION_PARAMETERS).map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
                </select>
              </label>
              {actions.length > 1 ? (
                <button type="button" className="secondary" onClick={() => setActions((all) => all.filter((_, i) => i !== index))}>
                  Remove action {index + 1}
                </button>
              ) : null}
            </div>
            {parameterSpecs(action).map((p) => {
              const set = (value: string) => update(index, { params: { ...action.params, [p.name]: value } });
              return p.options ? (
                <label key={p.name} className="field">
                  {p.name}
                  <select value={action.params[p.name] ?? ''} onChange={(e) => set(e.target.value)}>
                    {p.options.map((o) => (
                      <option key={o} value={o}>
                        {o || '(default)'}
                      </option>
                    ))}
                  </select>
                </label>
              ) : (
                <PlaceholderInput
                  key={p.name}
                  label={p.name}
                  value={action.params[p.name] ?? ''}
                  onChange={set}
                  fields={fields}
                  multiline={p.multiline}
                  required={p.required}
                  hint={p.hint}
                  warnings={at(`${base}.parameters.${p.name}`)}
                />
              );
            })}
            <details className="schedule" open={action.delay !== '' || action.run_at !== ''}>
              <summary>When it runs: {action.delay ? `after ${action.delay}` : action.run_at ? `at ${action.run_at}` : 'at once'}</summary>
              <label className="field">
                Delay (ISO-8601 duration after the rule matched, e.g. PT30M or P2D)
                <input value={action.delay} onChange={(e) => update(index, { delay: e.target.value })} spellCheck={false} />
              </label>
              <PlaceholderInput label="Run at (an ISO time; may be a placeholder)" value={action.run_at} onChange={(v) => update(index, { run_at: v })} fields={fields} />
              <label className="check">
                <input type="checkbox" checked={action.run_if_rule_inactive} onChange={(e) => update(index, { run_if_rule_inactive: e.target.checked })} /> Run even if the
                rule is paused by then
              </label>
            </details>
            {own.map((w, i) => (
              <p key={i} className="warning" role="status">
                {w.message}
              </p>
            ))}
          </div>
        );
      })}
      <button type="button" className="secondary" onClick={() => setActions((all) => [...all, newEditorAction()])}>
        Add action
      </button>
    </fieldset>
  );
}
