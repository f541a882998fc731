import amqplib from 'amqplib';
import type { Topology } from './topology.ts';

/**
 * Deletes a namespace's queues and exchanges: for tearing down a test or benchmark namespace,
 * or a deployment that is gone. Each deletion runs on a channel of its own, so one the broker
 * refuses (it closes the channel) does not stop the rest.
 */
export async function deleteTopology(amqpUrl: string, topology: Topology): Promise<void> {
  const connection = await amqplib.connect(amqpUrl);
  try {
    for (const queue of Object.keys(topology.queues)) {
      await onFreshChannel(connection, (channel) => channel.deleteQueue(queue));
    }
    // Deleting an exchange removes its bindings too, a tenant's demotion binding among them.
    for (const exchange of Object.values(topology.exchanges)) {
      await onFreshChannel(connection, (channel) => channel.deleteExchange(exchange.name));
    }
  } finally {
    await connection.close();
  }
}

/** Runs one operation on its own channel; a failure (e.g. a 406) closes only that channel. */
export async function onFreshChannel<T>(connection: amqplib.ChannelModel, operation: (channel: amqplib.Channel) => Promise<T>): Promise<T> {
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  try {
    return await operation(channel);
  } finally {
    await channel.close().catch(() => {});
  }
}
