/*
 * One stage of the baseline: a minimal amqplib pipeline with Flowline's two hops and none of
 * its work. `relay` consumes the events queue and, for each message, publishes it on a confirm
 * channel to the actions exchange and acks once confirmed (the engine's hop); `sink` consumes
 * the actions queue and acks (the executor's hop), noting the time each message arrived.
 * Same queues (declared from Flowline's topology: durable quorum queues), persistent messages,
 * confirms and prefetch as Flowline.
 */
import amqplib from 'amqplib';
import { declareTopology } from '../libs/messaging/src/declare-topology.ts';
import { defineTopology } from '@flowline/messaging';

const [role, amqpUrl, namespace, prefetchText] = process.argv.slice(2);
const prefetch = Number(prefetchText);
const topology = defineTopology(namespace);
const connection = await amqplib.connect(amqpUrl!);

if (role === 'relay') {
  const publisher = await connection.createConfirmChannel();
  await declareTopology(publisher, topology);
  const consumer = await connection.createChannel();
  await consumer.prefetch(prefetch);
  const exchange = topology.publications['action-command'].exchange;
  await consumer.consume(topology.subscriptions['engine.events'].queue, (message) => {
    if (!message) return;
    publisher.publish(
      exchange,
      'action.send_notification',
      message.content,
      { persistent: true, contentType: 'application/json', messageId: message.properties.messageId, headers: message.properties.headers },
      (error: unknown) => (error ? consumer.nack(message, false, true) : consumer.ack(message)),
    );
  });
} else {
  const channel = await connection.createChannel();
  await declareTopology(channel, topology);
  await channel.prefetch(prefetch);
  let arrivals: [string, number][] = [];
  process.on('message', () => {
    process.send!(arrivals);
    arrivals = [];
  });
  await channel.consume(topology.subscriptions['executor.actions'].queue, (message) => {
    if (!message) return;
    arrivals.push([String(message.properties.messageId), Date.now()]);
    channel.ack(message);
  });
}
process.send!('ready');
process.on('SIGTERM', () => {
  connection.close().finally(() => process.exit(0));
});
