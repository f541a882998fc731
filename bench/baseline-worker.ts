/*
 * One stage of the baseline: a minimal amqplib pipeline with Flowline's two hops and none of
 * its work. `relay` consumes the events queue and, for each message, publishes it on a confirm
 * channel to the actions exchange and acks once confirmed (the engine's hop); `sink` consumes
 * the actions queue and acks (the executor's hop), noting the time each message arrived.
 * Same queues (declared from Flowline's topology: durable quorum queues), persistent messages,
 * confirms and prefetch as Flowline.
 *
 * Given a SQLite path (the bench's `--floor`), both stages also write the records issue 11 requires
 * (floor-records.ts) through Flowline's stores, as the engine and executor do: the relay records what
 * one turn delivered in one transaction before it publishes; the sink stores each notification with
 * its action's result before it acks (grouped writes: one commit for a turn's).
 */
import amqplib, { type ConsumeMessage } from 'amqplib';
import { declareTopology } from '../libs/messaging/src/declare-topology.ts';
import { defineTopology } from '@flowline/messaging';
import type { TenantId } from '@flowline/contracts';
import { openSqliteStores, type ProcessedEvent, type Stores } from '@flowline/storage';
import { TurnBatch } from '../apps/executor/src/domain/turn-batch.ts';
import { floorActionRecords, floorProcessedEvent } from './floor-records.ts';

const [role, amqpUrl, namespace, prefetchText, sqlitePath, rulesText] = process.argv.slice(2);
const prefetch = Number(prefetchText);
const topology = defineTopology(namespace);
const connection = await amqplib.connect(amqpUrl!);
const stores: Stores | undefined = sqlitePath ? await openSqliteStores(sqlitePath) : undefined;
const FLOOR_COMMAND = 'x-floor-command';
const FLOOR_EXECUTION = 'x-floor-execution';

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
    // What one turn delivered, recorded in one transaction, as the engine's batches are.
    const records = new TurnBatch<ProcessedEvent>(async (batch) => void (await stores.events.recordProcessed(batch)));
    await consumer.consume(topology.subscriptions['engine.events'].queue, (message) => {
      if (!message) return;
      const { processed, commandId, executionId } = floorProcessedEvent(JSON.parse(message.content.toString('utf8')), rules, new Date().toISOString());
      records.add(processed).then(
        () => relay(message, { [FLOOR_COMMAND]: commandId, [FLOOR_EXECUTION]: executionId }),
        () => consumer.nack(message, false, true),
      );
    });
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
    await channel.consume(topology.subscriptions['executor.actions'].queue, (message) => {
      if (!message) return;
      const headers = message.properties.headers ?? {};
      const command = { tenant: String(headers['x-tenant-id']) as TenantId, eventId: String(message.properties.messageId), commandId: String(headers[FLOOR_COMMAND]), executionId: String(headers[FLOOR_EXECUTION]) };
      const { notification, result } = floorActionRecords(command, new Date().toISOString());
      // The executor's write: the notification with its action's result.
      stores.notifications.insertIfAbsent(command.tenant, notification, result).then(
        () => arrived(message),
        () => channel.nack(message, false, true),
      );
    });
  }
}
process.send!('ready');
process.on('SIGTERM', () => {
  connection.close().finally(() => process.exit(0));
});
