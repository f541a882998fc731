import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { EventEnvelope, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { OutboxStore } from '../ports.ts';
import { sqlitePruner } from './sqlite-prune.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** The `outbox` table: rows are leased to one relay at a time and kept once sent. */
export class SqliteOutboxStore implements OutboxStore {
  readonly #db: DatabaseSync;
  readonly #claimable: StatementSync;
  readonly #lease: StatementSync;
  readonly #markSent: StatementSync;
  readonly #unsent: StatementSync;

  /** Deletes the oldest rows the broker confirmed before a cut-off (retention); unsent rows never match. */
  readonly pruneBefore: (before: Date, limit: number) => Promise<number>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.pruneBefore = sqlitePruner(db, 'outbox', 'sent_at');
    this.#claimable = db.prepare('SELECT seq, event FROM outbox WHERE sent_at IS NULL AND (lease_until <= ? OR lease_owner = ?) ORDER BY seq LIMIT ?');
    this.#lease = db.prepare('UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE seq = ?');
    this.#markSent = db.prepare('UPDATE outbox SET sent_at = ?, lease_owner = NULL WHERE tenant_id = ? AND id = ?');
    this.#unsent = db.prepare('SELECT event FROM outbox WHERE tenant_id = ? AND sent_at IS NULL ORDER BY seq');
  }

  async claim(owner: string, leaseMs: number, limit: number): Promise<EventEnvelope[]> {
    const count = checkedLimit(limit);
    // Relays poll: an idle one must not take the write lock every time just to find nothing.
    if (this.#claimable.get(Date.now(), owner, 1) === undefined) return [];
    // Select and lease under one write lock, so two relays never lease the same row.
    return withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        const now = Date.now();
        const rows = this.#claimable.all(now, owner, count);
        for (const row of rows) this.#lease.run(owner, now + leaseMs, Number(row['seq']));
        return rows.map((row) => JSON.parse(String(row['event'])) as EventEnvelope);
      }),
    );
  }

  async markSent(tenant: TenantId, eventId: string): Promise<void> {
    await withBusyRetry(this.#db, () => this.#markSent.run(new Date().toISOString(), tenant, String(eventId)));
  }

  async unsent(tenant: TenantId): Promise<EventEnvelope[]> {
    return this.#unsent.all(tenant).map((row) => JSON.parse(String(row['event'])) as EventEnvelope);
  }
}
