import { afterAll, beforeAll, expect, it } from 'vitest';
import { eventually } from '../support/harness.ts';
import { eventuallyAtLeast, FaultRig, report, seconds, VOLUME } from './support/fault-rig.ts';
import { PrivateBroker } from './support/private-broker.ts';

/*
 * Only under `npm run test:faults`: it starts a RabbitMQ node of its own (port 5699) and
 * restarts that one, never the shared broker.
 */
let broker: PrivateBroker;
let rig: FaultRig;

beforeAll(async () => {
  broker = await PrivateBroker.start();
  rig = new FaultRig(broker.url);
}, 120_000);

afterAll(async () => {
  await rig?.close();
  await broker?.shutdown();
}, 120_000);

it(`when the broker is restarted (stop_app, start_app) mid-stream, then the workers reconnect and all ${VOLUME.events} events have exactly one effect`, async () => {
  const tenants = await rig.seed(VOLUME.tenants);
  const workers = await rig.spawnWorkers(1, 1);
  // Published in full first: the publisher is this test, not a worker, and has no reconnect logic.
  await rig.publishEvents(tenants, VOLUME.events);
  await eventuallyAtLeast(() => rig.effectCount(), Math.floor(VOLUME.events / 10));

  const stoppedAt = Date.now();
  const atStop = await rig.effectCount();
  await broker.stopApp();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  await broker.startApp();
  const startedAt = Date.now();
  const beforeResume = await rig.effectCount();
  await eventually(async () => ((await rig.effectCount()) > beforeResume || (await rig.effectCount()) >= VOLUME.events ? true : undefined), 120_000, 100);
  const resumedSeconds = seconds(startedAt);
  await rig.waitForAllEffects(300_000);

  const tally = await rig.tally();
  report('broker restart', tally, {
    tenants: VOLUME.tenants,
    effectsAtStop: atStop,
    downSeconds: seconds(stoppedAt, startedAt),
    resumedSecondsAfterStart: resumedSeconds,
    recoverySeconds: seconds(startedAt),
  });
  expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
  expect(tally.lost).toBe(0);
  expect(tally.duplicates).toBe(0);
  expect(tally.effects).toBe(VOLUME.events);
});
