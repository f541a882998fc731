import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useLocation } from 'wouter';
import { ErrorNote } from '../components/common.tsx';
import type { Rule } from '../model.ts';
import { useGet, useSession } from '../session.tsx';

interface TemplateParameter {
  name: string;
  description: string;
  type: 'string' | 'number' | 'email';
  default?: string | number;
}

interface Template {
  id: string;
  name: string;
  description: string;
  module_type: string;
  trigger_id: string;
  parameters: TemplateParameter[];
}

function TemplateCard({ template }: { template: Template }) {
  const { call } = useSession();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(template.parameters.map((p) => [p.name, p.default === undefined ? '' : String(p.default)])),
  );
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const parameters = Object.fromEntries(
        template.parameters
          .filter((p) => values[p.name] !== '')
          .map((p) => [p.name, p.type === 'number' ? Number(values[p.name]) : values[p.name]]),
      );
      const rule = (await call<Rule>('POST', '/automation/rules/from-template', { body: { template_id: template.id, parameters, ...(name.trim() ? { name: name.trim() } : {}) } })).body;
      await queryClient.invalidateQueries({ queryKey: ['rules'] });
      navigate(`/rules/${rule.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const titleId = `template-${template.id}`;
  return (
    <li className="card">
      <h2 id={titleId}>{template.name}</h2>
      <p>{template.description}</p>
      <p className="muted">
        <code>
          {template.module_type}.{template.trigger_id}
        </code>
      </p>
      <form onSubmit={(e) => void create(e)} aria-labelledby={titleId}>
        {template.parameters.map((p) => (
          <label key={p.name} className="field">
            {p.name}
            {p.default === undefined ? ' (required)' : ''}
            <input
              type={p.type === 'number' ? 'number' : p.type === 'email' ? 'email' : 'text'}
              value={values[p.name] ?? ''}
              required={p.default === undefined}
              onChange={(e) => setValues((v) => ({ ...v, [p.name]: e.target.value }))}
            />
            <small className="muted">{p.description}</small>
          </label>
        ))}
        <label className="field">
          Rule name (optional)
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={template.name} />
        </label>
        <button type="submit" disabled={busy}>
          Create rule from {template.name}
        </button>
      </form>
      {error ? <ErrorNote error={error} what="Rules from templates" /> : null}
    </li>
  );
}

/** The system templates: fill in the parameters, get a normal rule to edit further. */
export function Templates() {
  const get = useGet();
  const templates = useQuery({ queryKey: ['templates'], queryFn: () => get<Template[]>('/automation/templates') });
  return (
    <section aria-labelledby="templates-title">
      <h1 id="templates-title">Templates</h1>
      {templates.error ? <ErrorNote error={templates.error} what="The template gallery" /> : null}
      <ul className="cards grid">
        {(templates.data ?? []).map((t) => (
          <TemplateCard key={t.id} template={t} />
        ))}
      </ul>
    </section>
  );
}
