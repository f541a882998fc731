import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useSearch } from 'wouter';
import { ApiError, asPage, query, type Page } from '../api.ts';
import { Pager, usePaged } from '../components/Paging.tsx';
import { Badge, ErrorNote, formatTime, Json, Select } from '../components/common.tsx';
import { ActionOutcomes, ConditionOutcomes, type ActionOutcomeView } from '../components/Outcomes.tsx';
import type { ConditionOutcome, Trigger } from '../model.ts';
import { useGet } from '../session.tsx';

interface Execution {
  id: string;
  event_id: string;
  rule_id: string;
  rule_name: string;
  rule_version?: number;
  trigger_id: string;
  outcome: string;
  status?: string;
  conditions: ConditionOutcome[];
  actions: ActionOutcomeView[];
  notes: string[];
  created_at: string;
}

interface RuleVerdict {
  rule_id: string;
  rule_name: string;
  rule_version?: number;
  outcome: string;
  failed_condition?: Omit<ConditionOutcome, 'passed' | 'conditions'>;
}

interface EventRecord {
  id: string;
  type: string;
  module_type: string;
  source: string;
  time: string;
  received_at: string;
  status: string;
  data: Record<string, unknown>;
  rules: RuleVerdict[];
  /** Set when flow control deferred the event (its tenant was over its limits). */
  admission?: { deferred: true; waited_ms: number };
}

const tone = (s: string) => (s === 'matched' || s === 'succeeded' ? 'ok' : s === 'pending' || s === 'no_rules' ? 'warn' : s === 'not_matched' ? 'muted' : 'bad');

export function ExecutionCard({ execution }: { execution: Execution }) {
  return (
    <li className="card execution">
      <div className="card-head">
        <h3>
          <Link href={`/rules/${execution.rule_id}`}>{execution.rule_name}</Link>
          {execution.rule_version !== undefined ? <span className="muted"> (version {execution.rule_version})</span> : null}
        </h3>
        <Badge tone={tone(execution.outcome)}>{execution.outcome.replace('_', ' ')}</Badge>
        {execution.status ? <Badge tone={tone(execution.status)}>{execution.status.replace('_', ' ')}</Badge> : null}
      </div>
      <p className="muted">
        event <code>{execution.event_id}</code> · {execution.trigger_id} · {formatTime(execution.created_at)}
      </p>
      <h4>Why {execution.outcome === 'matched' ? '' : 'not '}</h4>
      <ConditionOutcomes outcomes={execution.conditions} />
      <h4>Actions</h4>
      <ActionOutcomes actions={execution.actions} />
      {execution.notes.length ? (
        <ul className="notes" aria-label="Notes">
          {execution.notes.map((n, i) => (
            <li key={i}>{n}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

function EventDetail({ id }: { id: string }) {
  const get = useGet();
  const detail = useQuery({
    queryKey: ['event-executions', id],
    queryFn: () => get<Execution[] | Page<Execution>>(`/automation/executions${query({ event_id: id })}`).then(asPage),
  });
  if (detail.error) return <ErrorNote error={detail.error} />;
  if (!detail.data) return <p>Loading…</p>;
  return detail.data.items.length ? (
    <ul className="cards">
      {detail.data.items.map((e) => (
        <ExecutionCard key={e.id} execution={e} />
      ))}
    </ul>
  ) : (
    <p className="muted">No executions for this event.</p>
  );
}

function Events({ triggers }: { triggers: Trigger[] }) {
  const [type, setType] = useState('');
  const [status, setStatus] = useState('');
  const [deferred, setDeferred] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const pager = usePaged<EventRecord>('events', (p) => `/events${query({ type, status, deferred, ...p })}`);
  if (pager.error instanceof ApiError && pager.error.missing) return null;
  return (
    <section aria-labelledby="events-title">
      <h2 id="events-title">Events</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <Select label="Trigger" value={type} onChange={(v) => (setType(v), pager.reset())} all options={triggers.map((t): [string, string] => [t.id, t.id])} />
        <Select
          label="Result"
          value={status}
          onChange={(v) => (setStatus(v), pager.reset())}
          all
          options={[
            ['matched', 'a rule matched'],
            ['not_matched', 'no rule matched'],
            ['no_rules', 'no active rule'],
            ['loop_guarded', 'loop guard'],
          ]}
        />
        <Select
          label="Flow control"
          value={deferred}
          onChange={(v) => (setDeferred(v), pager.reset())}
          all
          options={[
            ['true', 'deferred'],
            ['false', 'not deferred'],
          ]}
        />
      </form>
      {pager.error ? <ErrorNote error={pager.error} /> : null}
      <ul className="cards" aria-label="Events">
        {pager.items.map((event) => (
          <li key={event.id} className="card">
            <div className="card-head">
              <h3>
                <code>{event.type}</code>
              </h3>
              <Badge tone={tone(event.status)}>{event.status.replace('_', ' ')}</Badge>
              {event.admission?.deferred ? <Badge tone="warn">deferred {(event.admission.waited_ms / 1000).toFixed(1)} s</Badge> : null}
              <span className="muted">
                {formatTime(event.received_at ?? event.time)} · from {event.source} · <code>{event.id}</code>
              </span>
            </div>
            <ul className="verdicts" aria-label="Rules">
              {event.rules.map((r) => (
                <li key={r.rule_id}>
                  <Badge tone={tone(r.outcome)}>{r.outcome.replace('_', ' ')}</Badge> <Link href={`/rules/${r.rule_id}`}>{r.rule_name}</Link>
                  {r.rule_version !== undefined ? <span className="muted"> (version {r.rule_version})</span> : null}
                  {r.failed_condition ? (
                    <span>
                      {' '}
                      because <code>{r.failed_condition.field ?? 'value'}</code> {r.failed_condition.type} <Json value={r.failed_condition.expected} /> saw{' '}
                      <Json value={r.failed_condition.actual} />
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
            <details>
              <summary>Data</summary>
              <pre className="mono">{JSON.stringify(event.data, null, 2)}</pre>
            </details>
            <button type="button" className="secondary" aria-expanded={open === event.id} onClick={() => setOpen(open === event.id ? null : event.id)}>
              {open === event.id ? 'Hide executions' : 'Show executions'}
            </button>
            {open === event.id ? <EventDetail id={event.id} /> : null}
          </li>
        ))}
      </ul>
      {pager.data && pager.items.length === 0 ? <p className="note">No events{type || status || deferred ? ' match the filter' : ' yet'}.</p> : null}
      <Pager pager={pager} label="Events" />
    </section>
  );
}

function Executions({ initialRuleId }: { initialRuleId: string }) {
  const [ruleId, setRuleId] = useState(initialRuleId);
  const [eventId, setEventId] = useState('');
  const [outcome, setOutcome] = useState('');
  const valid = (id: string) => id === '' || /^[0-9a-f-]{36}$/i.test(id);
  const pager = usePaged<Execution>('executions', (p) =>
    `/automation/executions${query({ rule_id: valid(ruleId) ? ruleId : '', event_id: valid(eventId) ? eventId : '', outcome, ...p })}`,
  );
  return (
    <section aria-labelledby="executions-title">
      <h2 id="executions-title">Executions</h2>
      <form className="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Rule id
          <input value={ruleId} onChange={(e) => (setRuleId(e.target.value.trim()), pager.reset())} aria-invalid={!valid(ruleId)} />
        </label>
        <label>
          Event id
          <input value={eventId} onChange={(e) => (setEventId(e.target.value.trim()), pager.reset())} aria-invalid={!valid(eventId)} />
        </label>
        <Select
          label="Outcome"
          value={outcome}
          onChange={(v) => (setOutcome(v), pager.reset())}
          all
          options={[
            ['matched', 'matched'],
            ['not_matched', 'not matched'],
            ['loop_guard', 'loop guard'],
          ]}
        />
      </form>
      {pager.error ? <ErrorNote error={pager.error} /> : null}
      <ul className="cards" aria-label="Executions">
        {pager.items.map((e) => (
          <ExecutionCard key={e.id} execution={e} />
        ))}
      </ul>
      {pager.data && pager.items.length === 0 ? <p className="note">No executions{ruleId || eventId || outcome ? ' match the filter' : ' yet'}.</p> : null}
      <Pager pager={pager} label="Executions" />
    </section>
  );
}

/** What happened: the event log (when the server keeps one) and the executions of rules. */
export function EventLog() {
  const get = useGet();
  const params = new URLSearchParams(useSearch());
  const ruleId = params.get('rule_id') ?? '';
  const triggers = useQuery({ queryKey: ['triggers'], queryFn: () => get<Trigger[]>('/automation/triggers') });
  const probe = useQuery({ queryKey: ['events-probe'], queryFn: () => get('/events?limit=1'), retry: false });
  const eventsMissing = probe.error instanceof ApiError && probe.error.missing;
  return (
    <div className="log">
      <h1>Event log</h1>
      {eventsMissing ? <p className="note">The event log is not available on this server: showing the executions of rules only.</p> : null}
      {!eventsMissing && !ruleId ? <Events triggers={triggers.data ?? []} /> : null}
      <Executions key={ruleId} initialRuleId={ruleId} />
    </div>
  );
}
