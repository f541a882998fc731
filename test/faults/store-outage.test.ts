import { DatabaseSync } from 'node:sqlite';
import { afterAll, expect, inject, it } from 'vitest';
import { eventuallyAtLeast, FaultRig, report, seconds, VOLUME, SCENARIO_TIMEOUT_MS } from './support/fault-rig.ts';

const amqpUrl = inject('amqpUrl');
// Writers give up on a lock after 10 ms instead of 5 s (then 8 quick tries in the adapter), so
// the outage turns into broker retries within a second or two.
const rig = new FaultRig(amqpUrl, { SQLITE_BUSY_TIMEOUT_MS: '10' });
afterAll(() => rig.close());

const OUTAGE_MS = 6000;

it(`when the store is locked by another connection for ${OUTAGE_MS / 1000} s mid-stream, then messages are retried through the broker and all ${VOLUME.events} events end with exactly one effect`, async () => {
  const tenants = await rig.seed(VOLUME.tenants);
  const workers = await rig.spawnWorkers(1, 1);

  const half = Math.floor(VOLUME.events / 2);
  await rig.publishEvents(tenants, half);
  await eventuallyAtLeast(() => rig.effectCount(), Math.floor(half / 5));
  const locker = new DatabaseSync(rig.sqlitePath, { timeout: 10_000 });
  // In WAL mode this takes the single write lock: readers go on, every writer fails.
  locker.exec('BEGIN EXCLUSIVE');
  const lockedAt = Date.now();
  const atLock = await rig.effectCount();
  // The other half arrives during the outage, so the engine meets the lock too.
  await rig.publishEvents(tenants, VOLUME.events - half);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - lockedAt))));
  locker.exec('COMMIT');
  locker.close();
  const unlockedAt = Date.now();
  await rig.waitForAllEffects();

  const tally = await rig.tally();
  report('store locked', tally, {
    tenants: VOLUME.tenants,
    effectsAtLock: atLock,
    outageSeconds: seconds(lockedAt, unlockedAt),
    recoverySecondsAfterUnlock: seconds(unlockedAt),
  });
  expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
  // The engine certainly meets the lock (half the events arrive during it); the executor may.
  expect(workers[0]!.output()).toContain('message parked for a retry');
  expect(tally.redeliveredExecutions).toBeGreaterThan(0);
  expect(tally.lost).toBe(0);
  expect(tally.duplicates).toBe(0);
  expect(tally.effects).toBe(VOLUME.events);
  expect(await rig.deadLetterCounts()).toEqual({ engine: 0, executor: 0 });
}, SCENARIO_TIMEOUT_MS);
