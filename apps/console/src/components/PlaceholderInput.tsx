import { useId, useRef, useState, type KeyboardEvent } from 'react';
import { openPlaceholder, placeholdersIn, type DataField } from '../model.ts';

interface Props {
  label: string;
  value: string;
  onChange(value: string): void;
  /** What `{{…}}` may name: the trigger's data plus the engine's context fields. */
  fields: DataField[];
  multiline?: boolean;
  required?: boolean;
  /** Server warnings about this parameter. */
  warnings?: string[];
  /** What the value should look like. */
  hint?: string | undefined;
}

/**
 * A text parameter with `{{placeholder}}` autocomplete: typing `{{` lists the trigger's fields
 * (ARIA combobox: arrows move, Enter or Tab inserts, Escape closes).
 */
export function PlaceholderInput({ label, value, onChange, fields, multiline, required, warnings = [], hint }: Props) {
  const id = useId();
  const listId = `${id}-list`;
  const ref = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);

  const context = caret === null ? null : openPlaceholder(value, caret);
  const options = context ? fields.filter((f) => f.name.startsWith(context.partial)).slice(0, 12) : [];
  const open = options.length > 0 && dismissedAt !== context?.start;
  const known = new Set(fields.map((f) => f.name));
  const unknown = [...new Set(placeholdersIn(value).filter((p) => !known.has(p) && !known.has(p.split('.')[0]!)))];

  function accept(name: string) {
    if (!context || caret === null) return;
    const next = `${value.slice(0, context.start)}{{${name}}}${value.slice(caret)}`;
    const at = context.start + name.length + 4;
    onChange(next);
    setCaret(at);
    requestAnimationFrame(() => ref.current?.setSelectionRange(at, at));
  }

  function onKeyDown(event: KeyboardEvent) {
    if (!open) return;
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (a + step + options.length) % options.length);
    } else if (event.key === 'Enter' || event.key === 'Tab') {
      event.preventDefault();
      accept(options[Math.min(active, options.length - 1)]!.name);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      setDismissedAt(context?.start ?? null);
    }
  }

  const common = {
    id,
    ref,
    value,
    required,
    role: 'combobox',
    'aria-autocomplete': 'list' as const,
    'aria-expanded': open,
    'aria-controls': listId,
    'aria-activedescendant': open ? `${listId}-${Math.min(active, options.length - 1)}` : undefined,
    'aria-describedby': `${id}-hint`,
    onKeyDown,
    onChange: (e: { target: { value: string; selectionStart: number | null } }) => {
      onChange(e.target.value);
      setCaret(e.target.selectionStart);
      setActive(0);
    },
    onSelect: (e: { currentTarget: { selectionStart: number | null } }) => setCaret(e.currentTarget.selectionStart),
    onBlur: () => setCaret(null),
  };

  return (
    <div className="param">
      <label htmlFor={id}>
        {label}
        {required ? ' (required)' : ''}
      </label>
      <div className="combo">
        {multiline ? <textarea rows={3} {...common} /> : <input type="text" {...common} />}
        {open ? (
          <ul id={listId} role="listbox" className="suggestions" aria-label={`Placeholders for ${label}`}>
            {options.map((f, i) => (
              <li
                key={f.name}
                id={`${listId}-${i}`}
                role="option"
                aria-selected={i === Math.min(active, options.length - 1)}
                onMouseDown={(e) => {
                  e.preventDefault();
                  accept(f.name);
                }}
              >
                <code>{`{{${f.name}}}`}</code> <span className="muted">{f.type}</span>
              </li>
            ))}
          </ul>
        ) : (
          <ul id={listId} role="listbox" hidden aria-label={`Placeholders for ${label}`} />
        )}
      </div>
      <small id={`${id}-hint`} className="muted">
        {hint ? `${hint}. ` : ''}Type {'{{'} to insert a field of the event.
      </small>
      {unknown.length > 0 ? (
        <p className="warning" role="status">
          {unknown.map((p) => `{{${p}}}`).join(', ')}: not in this trigger's data, so {unknown.length > 1 ? 'they' : 'it'} may render empty.
        </p>
      ) : null}
      {warnings.map((w, i) => (
        <p key={i} className="warning" role="status">
          {w}
        </p>
      ))}
    </div>
  );
}
