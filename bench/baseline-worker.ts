/*
 * One stage of the baseline: a minimal amqplib pipeline with Flowline's two hops and none of
 * its work. `relay` consumes the events queue and, for each message, publishes it on a confirm
 * channel to the actions exchange and acks once confirmed (the engine's hop); `sink` consumes
 * the actions queue and acks (the executor's hop), noting the time each message arrived.
 * Same queues (declared from Flowline's topology: durable quorum queues), persistent messages,
 * confirms and prefetch as Flowline.
 *
 * Given a SQLite path (the bench's `--floor`), both stages also write the records issue 11 requires
 * (floor-records.ts) through Flowline's stores, a batch of what one turn delivered at a time, as the
 * engine and executor do: the relay records before it publishes, the sink before it acks.
 */
import amqplib, { type ConsumeMessage } from 'amqplib';
import { declareTopology } from '../libs/messaging/src/declare-topology.ts';
import { defineTopology } from '@flowline/messaging';
import type { TenantId } from '@flowline/contracts';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { floorActionRecords, floorProcessedEvent } from './floor-records.ts';

const [role, amqpUrl, namespace, prefetchText, sqlitePath, rulesText] = process.argv.slice(2);
const prefetch = Number(prefetchText);
const topology = defineTopology(namespace);
const connection = await amqplib.connect(amqpUrl!);
const stores: Stores | undefined = sqlitePath ? await openSqliteStores(sqlitePath) : undefined;
const FLOOR_COMMAND = 'x-floor-command';
const FLOOR_EXECUTION = 'x-floor-execution';

/** Hands the deliveries of one turn of the event loop to `handle` together. */
function batched(handle: (batch: ConsumeMessage[]) => void): (message: ConsumeMessage | null) => void {
  let waiting: ConsumeMessage[] = [];
  return (message) => {
    if (!message) return;
    waiting.push(message);
    if (waiting.length > 1) return;
    setImmediate(() => {
      const batch = waiting;
      waiting = [];
      handle(batch);
    });
  };
}

if (role === 'relay') {
  const publisher = await connection.createConfirmChannel();
  await declareTopology(publisher, topology);
  const consumer = await connection.createChannel();
  await consumer.prefetch(prefetch);
  const exchange = topology.publications['action-command'].exchange;
  const relay = (message: ConsumeMessage, extraHeaders: Record<string, string> = {}) =>
    publisher.publish(
      exchange,
      'action.send_notification',
      message.content,
      { persistent: true, contentType: 'application/json', messageId: message.properties.messageId, headers: { ...message.properties.headers, ...extraHeaders } },
      (error: unknown) => (error ? consumer.nack(message, false, true) : consumer.ack(message)),
    );
  if (!stores) {
    await consumer.consume(topology.subscriptions['engine.events'].queue, (message) => {
      if (message) relay(message);
    });
  } else {
    const rules = Number(rulesText);
    await consumer.consume(
      topology.subscriptions['engine.events'].queue,
      batched((batch) => {
        const receivedAt = new Date().toISOString();
        const decided = batch.map((message) => floorProcessedEvent(JSON.parse(message.content.toString('utf8')), rules, receivedAt));
        stores.events.recordProcessed(decided.map(({ processed }) => processed)).then(
          () => batch.forEach((message, index) => relay(message, { [FLOOR_COMMAND]: decided[index]!.commandId, [FLOOR_EXECUTION]: decided[index]!.executionId })),
          () => batch.forEach((message) => consumer.nack(message, false, true)),
        );
      }),
    );
  }
} else {
  const channel = await connection.createChannel();
  await declareTopology(channel, topology);
  await channel.prefetch(prefetch);
  let arrivals: [string, number][] = [];
  process.on('message', () => {
    process.send!(arrivals);
    arrivals = [];
  });
  const arrived = (message: ConsumeMessage) => {
    arrivals.push([String(message.properties.messageId), Date.now()]);
    channel.ack(message);
  };
  if (!stores) {
    await channel.consume(topology.subscriptions['executor.actions'].queue, (message) => {
      if (message) arrived(message);
    });
  } else {
    await channel.consume(
      topology.subscriptions['executor.actions'].queue,
      batched((batch) => {
        const completedAt = new Date().toISOString();
        const writes = batch.map((message) => {
          const headers = message.properties.headers ?? {};
          const command = { tenant: String(headers['x-tenant-id']) as TenantId, eventId: String(message.properties.messageId), commandId: String(headers[FLOOR_COMMAND]), executionId: String(headers[FLOOR_EXECUTION]) };
          const { notification, result } = floorActionRecords(command, completedAt);
          // Both are grouped writes: the batch's effects and results share one commit, as in the executor.
          return Promise.all([stores.notifications.insertIfAbsent(command.tenant, notification), stores.executions.recordActionResults([{ tenant: command.tenant, result: result as never }])]);
        });
        batch.forEach((message, index) =>
          writes[index]!.then(
            () => arrived(message),
            () => channel.nack(message, false, true),
          ),
        );
      }),
    );
  }
}
process.send!('ready');
process.on('SIGTERM', () => {
  connection.close().finally(() => process.exit(0));
});
