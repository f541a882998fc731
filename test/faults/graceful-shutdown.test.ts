import { afterAll, expect, inject, it } from 'vitest';
import { waitForLog } from '../support/harness.ts';
import { eventuallyAtLeast, FaultRig, report, seconds, VOLUME, SCENARIO_TIMEOUT_MS } from './support/fault-rig.ts';
import { describeEachStore } from '../support/store-target.ts';

const amqpUrl = inject('amqpUrl');
describeEachStore('graceful shutdown', (kind) => {
  const rig = new FaultRig(amqpUrl, {}, kind);
  afterAll(() => rig.close());

  it(`when the workers get SIGTERM under load, then they exit 0 and, once replaced, all ${VOLUME.events} events have exactly one effect`, async () => {
    const tenants = await rig.seed(VOLUME.tenants);
    const [engine, executor] = await rig.spawnWorkers(1, 1);

    const publishing = rig.publishEvents(tenants, VOLUME.events);
    await eventuallyAtLeast(() => rig.effectCount(), Math.floor(VOLUME.events / 4));
    const stoppedAt = Date.now();
    const codes = await Promise.all([engine!.stop(), executor!.stop()]);
    const stopSeconds = seconds(stoppedAt);
    const atStop = await rig.effectCount();
    const replacements = [rig.spawn('engine'), rig.spawn('executor')];
    await Promise.all(replacements.map((role) => waitForLog(role, 'started', 30_000)));
    await publishing;
    await rig.waitForAllEffects();

    const tally = await rig.tally();
    report('SIGTERM under load', tally, { tenants: VOLUME.tenants, effectsAtStop: atStop, stopSeconds, recoverySeconds: seconds(stoppedAt) });
    expect(codes).toEqual([0, 0]);
    expect(engine!.output()).toContain('"msg":"stopped"');
    expect(tally.lost).toBe(0);
    expect(tally.duplicates).toBe(0);
    expect(tally.effects).toBe(VOLUME.events);
  }, SCENARIO_TIMEOUT_MS);
});
