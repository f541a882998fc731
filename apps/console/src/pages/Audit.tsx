import { Link } from 'wouter';
import { ErrorNote, formatTime } from '../components/common.tsx';
import { Pager, usePaged } from '../components/Paging.tsx';

interface AuditEntry {
  id: string;
  created_at: string;
  actor: string;
  action: string;
  target_type: 'rule' | 'settings';
  target_id: string | null;
  target_name: string | null;
  version_before: number | null;
  version_after: number | null;
  changed_fields: string[];
}

/** Who changed which rule or setting, and when: `GET /api/v1/audit`, newest first. */
export function Audit() {
  const pager = usePaged<AuditEntry>('audit', (p) => `/audit?${new URLSearchParams(Object.entries(p).map(([k, v]) => [k, String(v)]))}`);
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      {pager.error ? <ErrorNote error={pager.error} what="The audit log" /> : null}
      {pager.data ? (
        <>
          <table className="versions">
            <caption>Rule and settings changes, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Versions</th>
                <th scope="col">Fields</th>
              </tr>
            </thead>
            <tbody>
              {pager.items.map((e) => (
                <tr key={e.id}>
                  <td>{formatTime(e.created_at)}</td>
                  <td>{e.actor}</td>
                  <td>
                    {e.action}{' '}
                    {e.target_type === 'rule' && e.target_id ? (
                      e.action === 'rule.deleted' ? (
                        (e.target_name ?? e.target_id)
                      ) : (
                        <Link href={`/rules/${e.target_id}/history`}>{e.target_name ?? e.target_id}</Link>
                      )
                    ) : null}
                  </td>
                  <td>
                    {e.version_before ?? '–'} → {e.version_after ?? '–'}
                  </td>
                  <td>{e.changed_fields.join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {pager.items.length === 0 ? <p className="note">No changes yet.</p> : null}
          <Pager pager={pager} label="Audit" />
        </>
      ) : null}
    </section>
  );
}
