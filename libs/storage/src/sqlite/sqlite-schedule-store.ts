import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { ScheduledAction, ScheduledPage, TenantId } from '@flowline/contracts';
import { checkedLimit } from '../list-limit.ts';
import type { CancelOutcome, ScheduleStore } from '../ports.ts';
import { decodeScheduleCursor, dueMsOf, encodeScheduleCursor } from '../schedule-cursor.ts';
import { assertSameTenant } from '../tenant-guard.ts';
import { docOf } from './sqlite-row.ts';
import { runImmediate, withBusyRetry } from './sqlite-transaction.ts';

/** The `scheduled_actions` table: due rows are leased to one scheduler at a time. */
export class SqliteScheduleStore implements ScheduleStore {
  readonly #db: DatabaseSync;
  readonly #insertIfAbsent: StatementSync;
  readonly #upsert: StatementSync;
  readonly #claimable: StatementSync;
  readonly #lease: StatementSync;
  readonly #get: StatementSync;
  readonly #settle: StatementSync;
  readonly #page: StatementSync;
  readonly #pageAfter: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    this.#insertIfAbsent = db.prepare(
      `INSERT INTO scheduled_actions (tenant_id, id, due_ms, state, doc) VALUES (?, ?, ?, 'pending', ?) ON CONFLICT (tenant_id, id) DO NOTHING`,
    );
    this.#upsert = db.prepare(
      `INSERT INTO scheduled_actions (tenant_id, id, due_ms, state, doc) VALUES (?, ?, ?, 'pending', ?)
       ON CONFLICT (tenant_id, id) DO UPDATE SET due_ms = excluded.due_ms, state = 'pending', doc = excluded.doc, lease_owner = NULL, lease_until = 0`,
    );
    this.#claimable = db.prepare(
      `SELECT tenant_id, id, doc FROM scheduled_actions WHERE state = 'pending' AND due_ms <= ? AND (lease_until <= ? OR lease_owner = ?) ORDER BY due_ms LIMIT ?`,
    );
    this.#lease = db.prepare('UPDATE scheduled_actions SET lease_owner = ?, lease_until = ? WHERE tenant_id = ? AND id = ?');
    this.#get = db.prepare('SELECT doc, state, lease_owner, lease_until FROM scheduled_actions WHERE tenant_id = ? AND id = ?');
    this.#settle = db.prepare(
      `UPDATE scheduled_actions SET state = ?, doc = ?, lease_owner = NULL, lease_until = 0 WHERE tenant_id = ? AND id = ? AND state = 'pending'`,
    );
    this.#page = db.prepare(`SELECT doc, due_ms, id FROM scheduled_actions WHERE tenant_id = ? AND state = 'pending' ORDER BY due_ms, id LIMIT ?`);
    this.#pageAfter = db.prepare(
      `SELECT doc, due_ms, id FROM scheduled_actions WHERE tenant_id = ? AND state = 'pending' AND (due_ms > ? OR (due_ms = ? AND id > ?)) ORDER BY due_ms, id LIMIT ?`,
    );
  }

  async scheduleIfAbsent(tenant: TenantId, items: readonly ScheduledAction[]): Promise<void> {
    if (items.length === 0) return;
    for (const item of items) assertSameTenant(tenant, item);
    await withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        for (const item of items) this.#insertIfAbsent.run(tenant, String(item.id), dueMsOf(item.run_at), JSON.stringify({ ...item, state: 'pending' }));
      }),
    );
  }

  async reschedule(tenant: TenantId, item: ScheduledAction): Promise<void> {
    assertSameTenant(tenant, item);
    await withBusyRetry(this.#db, () => this.#upsert.run(tenant, String(item.id), dueMsOf(item.run_at), JSON.stringify({ ...item, state: 'pending' })));
  }

  async claimDue(owner: string, leaseMs: number, limit: number, now = Date.now()): Promise<ScheduledAction[]> {
    const count = checkedLimit(limit);
    // Schedulers poll often: an idle one must not take the write lock just to find nothing.
    if (this.#claimable.get(now, now, String(owner), 1) === undefined) return [];
    return withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        const rows = this.#claimable.all(now, now, String(owner), count);
        for (const row of rows) this.#lease.run(String(owner), now + leaseMs, row['tenant_id'] as string, row['id'] as string);
        return rows.map((row) => docOf<ScheduledAction>(row)!);
      }),
    );
  }

  async settle(tenant: TenantId, id: string, state: 'published' | 'cancelled', reason?: string, owner?: string): Promise<boolean> {
    return withBusyRetry(this.#db, () =>
      runImmediate(this.#db, () => {
        const row = this.#get.get(tenant, String(id));
        const current = docOf<ScheduledAction>(row);
        if (current === null || current.state !== 'pending') return false;
        if (owner !== undefined && row!['lease_owner'] !== owner) return false;
        return this.#write(tenant, current, state, reason);
      }),
    );
  }

  async cancel(tenant: TenantId, id: string, reason: string): Promise<CancelOutcome> {
    return withBusyRetry(this.#db, () =>
      runImmediate(this.#db, (): CancelOutcome => {
        const row = this.#get.get(tenant, String(id));
        const current = docOf<ScheduledAction>(row);
        if (current === null || current.state !== 'pending') return 'not_pending';
        if (Number(row!['lease_until']) > Date.now()) return 'running';
        return this.#write(tenant, current, 'cancelled', reason) ? 'cancelled' : 'not_pending';
      }),
    );
  }

  #write(tenant: TenantId, current: ScheduledAction, state: 'published' | 'cancelled', reason: string | undefined): boolean {
    const next: ScheduledAction = { ...current, state, updated_at: new Date().toISOString(), ...(reason === undefined ? {} : { reason }) };
    return Number(this.#settle.run(state, JSON.stringify(next), tenant, current.id).changes) > 0;
  }

  async get(tenant: TenantId, id: string): Promise<ScheduledAction | null> {
    return docOf<ScheduledAction>(this.#get.get(tenant, String(id)));
  }

  async listPending(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<ScheduledPage> {
    const limit = checkedLimit(page.limit);
    const rows =
      page.cursor === undefined
        ? this.#page.all(tenant, limit + 1)
        : (() => {
            const after = decodeScheduleCursor(page.cursor);
            return this.#pageAfter.all(tenant, after.dueMs, after.dueMs, after.id, limit + 1);
          })();
    const items = rows.slice(0, limit).map((row) => docOf<ScheduledAction>(row)!);
    const last = rows[limit - 1];
    return rows.length > limit && last ? { items, next_cursor: encodeScheduleCursor(Number(last['due_ms']), String(last['id'])) } : { items };
  }
}
