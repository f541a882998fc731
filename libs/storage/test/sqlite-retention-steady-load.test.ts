import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseTenantId, type Contact } from '@flowline/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStores, pruneExpired, type RetentionPolicy } from '../src/index.ts';
import { makeContact, makeEvent, makeExecution, recordExecution, makeNotification, makeTask } from './documents.ts';

/*
 * A steady load on one SQLite file, an hour of simulated time per round: executions,
 * notifications, tasks and sent outbox rows keep arriving, and the retention pass after each
 * round removes what is older than a few hours. With retention the row counts and the file
 * size level off; without it both grow with every round.
 */
const A = parseTenantId('tenant-a');
const B = parseTenantId('tenant-b');
const HOUR = 3_600_000;
const ROUNDS = 24;
const PER_ROUND = { executions: 200, notifications: 200, tasks: 50, events: 50 };
const RETENTION: RetentionPolicy = { executions: 3 / 24, notifications: 3 / 24, tasks: 3 / 24, sentOutbox: 2 / 24 };
const TABLES = ['executions', 'notifications', 'tasks', 'outbox'] as const;

const dir = mkdtempSync(join(tmpdir(), 'flowline-retention-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Round {
  rows: Record<(typeof TABLES)[number], number>;
  bytes: number;
}

async function steadyLoad(path: string, retention: RetentionPolicy | undefined): Promise<Round[]> {
  const stores = await openSqliteStores(path);
  const counter = new DatabaseSync(path, { readOnly: true });
  const start = Date.now();
  const contacts: Contact[] = [];
  for (let i = 0; i < 10; i += 1) {
    const contact = makeContact(A);
    await stores.entities.insert(A, contact, []);
    contacts.push(contact);
  }
  const rounds: Round[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      const now = start + round * HOUR;
      const time = (i: number) => new Date(now - HOUR + i * 10).toISOString();
      for (let i = 0; i < PER_ROUND.executions; i += 1) {
        const tenant = i % 2 === 0 ? A : B;
        await recordExecution(stores, tenant, makeExecution(tenant, { created_at: time(i) }));
      }
      for (let i = 0; i < PER_ROUND.notifications; i += 1) await stores.notifications.insertIfAbsent(A, makeNotification(A, { created_at: time(i) }));
      for (let i = 0; i < PER_ROUND.tasks; i += 1) await stores.tasks.insertIfAbsent(B, makeTask(B, { created_at: time(i) }));
      // Entity changes raise outbox events (the entities themselves are replaced, not added).
      for (let i = 0; i < PER_ROUND.events; i += 1) {
        const index = i % contacts.length;
        const contact = contacts[index]!;
        const changed = { ...contact, version: contact.version + 1, name: `Ada ${round}.${i}` };
        const event = makeEvent(A);
        expect(await stores.entities.update(A, changed, contact.version, [event])).toBe('updated');
        contacts[index] = changed;
        await stores.outbox.markSent(A, event.id);
      }
      // The outbox's sent_at is the real clock: count it from there, the rest from the simulated one.
      if (retention) {
        await pruneExpired(stores, { ...retention, sentOutbox: 0 }, { now: new Date(now) });
        await pruneExpired(stores, { executions: 0, notifications: 0, tasks: 0, sentOutbox: retention.sentOutbox }, { now: new Date(Date.now() + (round - 1) * HOUR) });
      }
      const rows = Object.fromEntries(TABLES.map((table) => [table, Number(counter.prepare(`SELECT count(*) AS n FROM ${table}`).get()!['n'])])) as Round['rows'];
      const bytes = [path, `${path}-wal`].reduce((sum, file) => sum + (statSync(file, { throwIfNoEntry: false })?.size ?? 0), 0);
      rounds.push({ rows, bytes });
    }
  } finally {
    counter.close();
    await stores.close();
  }
  return rounds;
}

const table = (rounds: Round[], first = 1) =>
  rounds.map((r, i) => `round ${String(i + first).padStart(2)}: ${TABLES.map((t) => `${t}=${r.rows[t]}`).join(' ')} file=${(r.bytes / 1024).toFixed(0)} KiB`).join('\n');

describe('SQLite retention under a steady load', () => {
  it('when retention prunes after every round, then row counts and file size level off; without it they keep growing', async () => {
    const pruned = await steadyLoad(join(dir, 'pruned.db'), RETENTION);
    const kept = await steadyLoad(join(dir, 'kept.db'), undefined);
    console.log(`with retention:\n${table(pruned)}\nwithout:\n${table(kept.slice(-1), ROUNDS)}`);

    // Executions, notifications, tasks: three simulated hours are kept, whatever the round.
    for (const round of pruned.slice(4)) {
      expect(round.rows.executions).toBe(3 * PER_ROUND.executions);
      expect(round.rows.notifications).toBe(3 * PER_ROUND.notifications);
      expect(round.rows.tasks).toBe(3 * PER_ROUND.tasks);
      expect(round.rows.outbox).toBeLessThanOrEqual(2 * PER_ROUND.events);
    }
    // The file stops growing once the first rows expire. SQLite takes pages in steps (one of about 5 % was seen
    // around round 12), so: over the last eight rounds it grows by at most 5 %, and it ends at most 15 % above the
    // eighth round. Without retention the same eight rounds add a third to the file.
    const level = pruned[7]!.bytes;
    expect(pruned.at(-1)!.bytes).toBeLessThanOrEqual(level * 1.15);
    expect(pruned.at(-1)!.bytes).toBeLessThanOrEqual(pruned.at(-9)!.bytes * 1.05);

    // Without retention everything stays, and the file grows with it.
    expect(kept.at(-1)!.rows.executions).toBe(ROUNDS * PER_ROUND.executions);
    expect(kept.at(-1)!.bytes).toBeGreaterThan(2 * pruned.at(-1)!.bytes);
  });
});
