import { afterAll, expect, inject, it } from 'vitest';
import { eventually } from '../support/harness.ts';
import { eventuallyAtLeast, FaultRig, rabbitmqctlReaches, report, seconds, VOLUME, SCENARIO_TIMEOUT_MS } from './support/fault-rig.ts';
import { describeEachStore } from '../support/store-target.ts';

const amqpUrl = inject('amqpUrl');
const canCloseConnections = await rabbitmqctlReaches(amqpUrl);
describeEachStore('connection loss', (kind) => {
  // On SQLite a small prefetch keeps the stream flowing long enough for the slow rabbitmqctl to
  // hit it. Each MongoDB write is a network round trip, which slows the stream enough by itself:
  // prefetch 2 there makes 300 events take minutes on a loaded machine.
  const rig = new FaultRig(amqpUrl, { PREFETCH: kind === 'sqlite' ? '2' : '16' }, kind);
  afterAll(() => rig.close());

  /*
   * Force-closes only this test's worker connections (found by their connection_name), never
   * every connection on the shared broker.
   */
  it.skipIf(!canCloseConnections)(`when the workers' broker connections are force-closed mid-stream, then they reconnect and all ${VOLUME.events} events have exactly one effect`, async () => {
    const tenants = await rig.seed(VOLUME.tenants);
    const workers = await rig.spawnWorkers(1, 1);

    const connections = await rig.brokerConnections();
    const publishing = rig.publishEvents(tenants, VOLUME.events);
    await eventuallyAtLeast(() => rig.effectCount(), Math.floor(VOLUME.events / 10));
    const closedAt = Date.now();
    const closed = await rig.closeWorkerConnections(connections);
    const atClose = await rig.effectCount();
    // Back once both workers have a connection again and the store grows past what it had.
    await eventually(async () => ((await rig.brokerConnections()).length >= 2 ? true : undefined), 30_000, 100);
    const reconnectSeconds = seconds(closedAt);
    await publishing;
    await rig.waitForAllEffects();
    const recovery = seconds(closedAt);

    const tally = await rig.tally();
    report('force-closed connections', tally, { tenants: VOLUME.tenants, connectionsClosed: closed, effectsAtClose: atClose, reconnectSeconds, recoverySeconds: recovery });
    expect(closed).toBeGreaterThanOrEqual(2);
    expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
    expect(tally.lost).toBe(0);
    expect(tally.duplicates).toBe(0);
    expect(tally.effects).toBe(VOLUME.events);
  }, SCENARIO_TIMEOUT_MS);
});
