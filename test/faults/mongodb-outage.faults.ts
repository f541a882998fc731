import { afterAll, expect, inject, it } from 'vitest';
import { waitForLog } from '../support/harness.ts';
import { describeEachStore } from '../support/store-target.ts';
import { TcpProxy } from '../support/tcp-proxy.ts';
import { eventuallyAtLeast, FaultRig, report, seconds, VOLUME, SCENARIO_TIMEOUT_MS } from './support/fault-rig.ts';

/*
 * Runs only under `npm run test:faults` (like broker-restart.faults.ts), not in `npm test`: in one of
 * about five full CI-volume suite runs on a loaded machine the workers had not finished 120 s after
 * the relay let connections through again, while the same scenario passed alone every time (1.5-1.8 s
 * to recover). The cause is not found yet; until it is, it must not make CI fail at random.
 */
const amqpUrl = inject('amqpUrl');
const OUTAGE_MS = 6000;

/*
 * The same outage on MongoDB: the workers reach it through a TCP relay, which cuts every
 * connection and refuses new ones for the outage, as a failed-over or unreachable server would.
 */
describeEachStore(
  'store outage',
  (kind) => {
    const mongoRig = new FaultRig(amqpUrl, {}, kind);
    let proxy: TcpProxy | undefined;
    afterAll(async () => {
      await mongoRig.close();
      await proxy?.close();
    });

    it(`when every connection to MongoDB is cut and refused for ${OUTAGE_MS / 1000} s mid-stream, then the workers carry on afterwards and all ${VOLUME.events} events end with exactly one effect`, async () => {
      const tenants = await mongoRig.seed(VOLUME.tenants);
      proxy = await TcpProxy.start(mongoRig.store.mongodb!.url);
      // directConnection: else the driver would follow the replica set's advertised host around the relay.
      const relayed = new URL(proxy.urlFor(mongoRig.store.mongodb!.url));
      relayed.searchParams.set('directConnection', 'true');
      const workers = [mongoRig.spawn('engine', { MONGODB_URL: relayed.toString() }), mongoRig.spawn('executor', { MONGODB_URL: relayed.toString() })];
      await Promise.all(workers.map((worker) => waitForLog(worker, 'started', 30_000)));

      const half = Math.floor(VOLUME.events / 2);
      await mongoRig.publishEvents(tenants, half);
      await eventuallyAtLeast(() => mongoRig.effectCount(), Math.floor(half / 5));
      proxy.refuseConnections(true);
      proxy.dropConnections();
      const cutAt = Date.now();
      const atCut = await mongoRig.effectCount();
      await mongoRig.publishEvents(tenants, VOLUME.events - half);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
      const duringOutage = (await mongoRig.effectCount()) - atCut;
      proxy.refuseConnections(false);
      const restoredAt = Date.now();
      await mongoRig.waitForAllEffects();

      const tally = await mongoRig.tally();
      report('MongoDB cut', tally, {
        tenants: VOLUME.tenants,
        effectsAtCut: atCut,
        effectsDuringOutage: duringOutage,
        outageSeconds: seconds(cutAt, restoredAt),
        recoverySecondsAfterRestore: seconds(restoredAt),
      });
      expect(workers.every((worker) => worker.child.exitCode === null)).toBe(true);
      expect(tally.lost).toBe(0);
      expect(tally.duplicates).toBe(0);
      expect(tally.effects).toBe(VOLUME.events);
      expect(await mongoRig.deadLetterCounts()).toEqual({ engine: 0, executor: 0 });
    }, SCENARIO_TIMEOUT_MS);
  },
  ['mongodb'],
);
