import { afterAll, expect, inject, it } from 'vitest';
import { eventually, waitForLog } from '../support/harness.ts';
import { eventuallyAtLeast, FaultRig, report, seconds, VOLUME } from './support/fault-rig.ts';

const amqpUrl = inject('amqpUrl');
// SQLite only: it reads the scheduled items straight from the file.
const rig = new FaultRig(amqpUrl, { SCHEDULER_POLL_MS: '250' });
afterAll(() => rig.close());

/** 1,000 under `npm run test:faults`, the CI volume under `npm test`. */
const COUNT = Math.min(1000, VOLUME.events);

it(`when the executor is killed with SIGKILL while ${COUNT} scheduled actions come due, then after a restart each runs exactly once and none before its time`, async () => {
  const tenants = await rig.seed(VOLUME.tenants, { type: 'create_task', parameters: { title: 'Follow up on {{opportunity_id}}' }, delay: 'PT6S' });
  const [, executor] = await rig.spawnWorkers(1, 1);
  const db = rig.reader();
  const scheduledRows = () => Number(db.prepare('SELECT count(*) AS n FROM scheduled_actions').get()?.['n'] ?? 0);

  await rig.publishEvents(tenants, COUNT);
  await eventually(async () => (scheduledRows() >= COUNT ? true : undefined), 60_000, 100);
  // Some have run: the rest come due while the executor is dead.
  await eventuallyAtLeast(() => rig.effectCount(), Math.max(1, Math.floor(COUNT / 10)));
  const killedAt = Date.now();
  executor!.child.kill('SIGKILL');
  await executor!.exited;
  const atKill = await rig.effectCount();
  const restarted = rig.spawn('executor');
  await waitForLog(restarted, 'started', 30_000);
  await rig.waitForAllEffects();
  // A task is stored a moment before its outcome is recorded (a result row by command id).
  const unsettled = () =>
    Number(
      db
        .prepare(
          `SELECT count(*) AS n FROM executions e WHERE NOT EXISTS (SELECT 1 FROM action_results r WHERE r.tenant_id = e.tenant_id AND r.execution_id = e.id AND json_extract(r.doc, '$.status') = 'succeeded')`,
        )
        .get()?.['n'] ?? 0,
    );
  await eventually(async () => (unsettled() === 0 ? true : undefined), 30_000, 200);
  const recovery = seconds(killedAt);

  let early = 0;
  let lateMs = 0;
  const rows = db.prepare('SELECT e.doc AS execution, r.doc AS result FROM executions e JOIN action_results r ON r.tenant_id = e.tenant_id AND r.execution_id = e.id').all();
  expect(rows).toHaveLength(COUNT);
  for (const row of rows) {
    const [action] = (JSON.parse(String(row['execution'])) as { actions: Array<{ run_at?: string }> }).actions;
    const result = JSON.parse(String(row['result'])) as { status: string; completed_at: string };
    expect(result.status).toBe('succeeded');
    const late = Date.parse(result.completed_at) - Date.parse(action!.run_at!);
    if (late < 0) early += 1;
    lateMs = Math.max(lateMs, late);
  }
  const states = () => db.prepare('SELECT state, count(*) AS n FROM scheduled_actions GROUP BY state').all().map((r) => `${String(r['state'])}:${String(r['n'])}`);
  // Items the dead executor had claimed (and published) are marked once their 15 s lease runs out.
  await eventually(async () => (states().join() === `published:${COUNT}` ? true : undefined), 30_000, 200);
  const tally = await rig.tally();
  report('kill -9 executor with scheduled actions due', tally, { scheduled: COUNT, effectsAtKill: atKill, recoverySeconds: recovery, early, maxLateMs: lateMs });
  expect(tally.lost).toBe(0);
  expect(tally.duplicates).toBe(0);
  expect(tally.effects).toBe(COUNT);
  expect(early).toBe(0);
  expect(await rig.deadLetterCounts()).toEqual({ engine: 0, executor: 0 });
});
