import { useQuery } from '@tanstack/react-query';
import { diffLines } from 'diff';
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { allPages } from '../api.ts';
import { ErrorNote, formatTime, Select } from '../components/common.tsx';
import type { Rule } from '../model.ts';
import { useGet } from '../session.tsx';

/** One entry of `GET /automation/rules/{id}/versions`, whichever way the server nests the snapshot. */
interface VersionEntry {
  version: number;
  actor?: string;
  changed_by?: string;
  action?: string;
  changed_at?: string;
  created_at?: string;
  rule?: Rule;
  snapshot?: Rule;
  [key: string]: unknown;
}

const snapshotOf = (entry: VersionEntry): Record<string, unknown> => (entry.rule ?? entry.snapshot ?? entry) as Record<string, unknown>;
const actorOf = (entry: VersionEntry) => entry.actor ?? entry.changed_by ?? 'unknown';
const timeOf = (entry: VersionEntry) => entry.changed_at ?? entry.created_at ?? '';

/** The parts of a snapshot an author changes, in a stable order, as text to diff. */
function diffable(snapshot: Record<string, unknown>): string {
  const { name, description, trigger_id, module_type, is_active, conditions, actions } = snapshot;
  return JSON.stringify({ name, description, module_type, trigger_id, is_active, conditions, actions }, null, 2);
}

export function VersionDiff({ from, to }: { from: Record<string, unknown>; to: Record<string, unknown> }) {
  const parts = diffLines(diffable(from), diffable(to));
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <figure className="diff-box">
      <figcaption>{changed ? 'Lines starting with + were added, - were removed.' : 'No difference in the rule itself.'}</figcaption>
      <pre className="diff" aria-label="Difference between the versions">
        {parts.map((part, i) =>
          part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <span key={`${i}-${j}`} className={part.added ? 'added' : part.removed ? 'removed' : 'same'}>
                {part.added ? '+ ' : part.removed ? '- ' : '  '}
                {line}
                {'\n'}
              </span>
            )),
        )}
      </pre>
    </figure>
  );
}

/** A rule's versions, who made each and when, and what changed between any two. */
export function History() {
  const { id } = useParams<{ id: string }>();
  const get = useGet();
  const versions = useQuery({
    queryKey: ['versions', id],
    // Every page, so that any two versions can be compared.
    queryFn: () => allPages<VersionEntry>(get, `/automation/rules/${id}/versions`),
  });
  const rule = useQuery({ queryKey: ['rule-name', id], queryFn: () => get<Rule>(`/automation/rules/${id}`), retry: false });
  const entries = [...(versions.data?.items ?? [])].sort((a, b) => b.version - a.version);
  const [fromVersion, setFrom] = useState<number | null>(null);
  const [toVersion, setTo] = useState<number | null>(null);
  const to = entries.find((e) => e.version === toVersion) ?? entries[0];
  const versionOptions = entries.map((e): [string, string] => [String(e.version), String(e.version)]);
  const from = entries.find((e) => e.version === fromVersion) ?? entries.find((e) => to && e.version < to.version) ?? entries[1];

  return (
    <section aria-labelledby="history-title">
      <div className="title-row">
        <h1 id="history-title">History{rule.data ? `: ${rule.data.name}` : ''}</h1>
        <Link className="button secondary" href={`/rules/${id}`}>
          Edit rule
        </Link>
      </div>
      {versions.error ? <ErrorNote error={versions.error} what="Rule history" /> : null}
      {versions.isLoading ? <p>Loading…</p> : null}
      {entries.length ? (
        <>
          <table className="versions">
            <caption>Versions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Change</th>
                <th scope="col">By</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr key={e.version}>
                  <td>{e.version}</td>
                  <td>{e.action ?? ''}</td>
                  <td>{actorOf(e)}</td>
                  <td>{formatTime(timeOf(e))}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {entries.length > 1 && from && to ? (
            <>
              <form className="filters" onSubmit={(e) => e.preventDefault()}>
                <Select label="Compare version" value={String(from.version)} onChange={(v) => setFrom(Number(v))} options={versionOptions} />
                <Select label="with version" value={String(to.version)} onChange={(v) => setTo(Number(v))} options={versionOptions} />
              </form>
              <VersionDiff from={snapshotOf(from)} to={snapshotOf(to)} />
            </>
          ) : (
            <p className="muted">Only one version so far.</p>
          )}
        </>
      ) : null}
    </section>
  );
}
