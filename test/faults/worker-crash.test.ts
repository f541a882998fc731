import { afterAll, expect, inject, it } from 'vitest';
import { waitForLog } from '../support/harness.ts';
import { eventuallyAtLeast, FaultRig, report, seconds, VOLUME, SCENARIO_TIMEOUT_MS } from './support/fault-rig.ts';
import { describeEachStore } from '../support/store-target.ts';

const amqpUrl = inject('amqpUrl');
describeEachStore('worker crash', (kind) => {
  const rig = new FaultRig(amqpUrl, {}, kind);
  afterAll(() => rig.close());

  it(`when an engine and an executor are killed with SIGKILL mid-stream and restarted, then all ${VOLUME.events} events have exactly one effect`, async () => {
    const tenants = await rig.seed(VOLUME.tenants);
    const [engine, , executor] = await rig.spawnWorkers(2, 2);

    const publishing = rig.publishEvents(tenants, VOLUME.events);
    await eventuallyAtLeast(() => rig.effectCount(), Math.floor(VOLUME.events / 4));
    const killedAt = Date.now();
    engine!.child.kill('SIGKILL');
    executor!.child.kill('SIGKILL');
    await Promise.all([engine!.exited, executor!.exited]);
    const atKill = await rig.effectCount();
    const restarted = [rig.spawn('engine'), rig.spawn('executor')];
    await Promise.all(restarted.map((role) => waitForLog(role, 'started', 30_000)));
    await publishing;
    await rig.waitForAllEffects();
    const recovery = seconds(killedAt);

    const tally = await rig.tally();
    report('kill -9 engine+executor', tally, { tenants: VOLUME.tenants, effectsAtKill: atKill, recoverySeconds: recovery });
    expect(tally.lost).toBe(0);
    expect(tally.duplicates).toBe(0);
    expect(tally.effects).toBe(VOLUME.events);
    expect(await rig.deadLetterCounts()).toEqual({ engine: 0, executor: 0 });
  }, SCENARIO_TIMEOUT_MS);
});
