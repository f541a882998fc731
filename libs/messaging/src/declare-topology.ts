import type { Channel } from 'amqplib';
import type { ExchangeSpec, QueueSpec, Topology } from './topology.ts';

/**
 * Generous on purpose: the consumer dead-letters after its own `maxAttempts` long before this.
 * The broker limit only catches messages that crash the consumer before it can settle them.
 */
export const BROKER_DELIVERY_LIMIT = 50;

/**
 * Declares every exchange, queue and binding of the topology. Idempotent, so it runs on every
 * (re)connect: after a broker restart or a deleted queue the topology is back before any
 * publish or consume on that channel.
 */
export async function declareTopology(channel: Channel, topology: Topology): Promise<void> {
  if (topology.declaredBy === 'operator') return verifyTopology(channel, topology);
  for (const exchange of Object.values(topology.exchanges)) {
    await channel.assertExchange(exchange.name, exchange.type, { durable: true, arguments: exchangeArguments(exchange) });
  }
  for (const queue of Object.values(topology.queues)) {
    await channel.assertQueue(queue.name, { durable: true, arguments: queueArguments(queue, topology) });
  }
  for (const binding of topology.bindings) {
    await channel.bindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
  for (const binding of topology.exchangeBindings) {
    await channel.bindExchange(binding.destination, binding.source, binding.routingKey);
  }
  // A work queue still bound straight to its entry exchange would get a demoted tenant's messages too.
  for (const binding of topology.obsoleteBindings) {
    await channel.unbindQueue(binding.queue, binding.exchange, binding.routingKey);
  }
}

/** The arguments an exchange is declared with; a redeclaration must use exactly the same. */
export function exchangeArguments(exchange: ExchangeSpec): Record<string, unknown> {
  return exchange.alternateExchange === undefined ? {} : { 'alternate-exchange': exchange.alternateExchange };
}

/**
 * With least-privilege broker users (ops/rabbitmq) the broker's definitions declare the
 * topology and the roles hold no configure permission: they only check, passively (which needs
 * no permission), that every exchange and queue is there, and fail loudly when one is not.
 */
async function verifyTopology(channel: Channel, topology: Topology): Promise<void> {
  for (const exchange of Object.values(topology.exchanges)) await channel.checkExchange(exchange.name);
  for (const queue of Object.values(topology.queues)) await channel.checkQueue(queue.name);
}

/** The `x-` arguments a queue is declared with; a redeclaration must use exactly the same. */
export function queueArguments(queue: QueueSpec, topology: Topology): Record<string, unknown> {
  const args: Record<string, unknown> = { 'x-queue-type': queue.type };
  if (queue.delay !== undefined) {
    // The default exchange ('') routes by queue name: back into exactly the work queue the
    // message failed in, with no second trip through the topic exchange to other queues.
    args['x-message-ttl'] = queue.delay.ms;
    args['x-dead-letter-exchange'] = '';
    args['x-dead-letter-routing-key'] = queue.delay.returnsTo;
    return args;
  }
  if (queue.deadLetterQueue !== undefined) {
    // A safety net: consumers dead-letter through their own publish, with reasons; the broker
    // only dead-letters here when a message hits the delivery limit.
    args['x-dead-letter-exchange'] = topology.exchanges.deadLetter.name;
    args['x-dead-letter-routing-key'] = queue.name;
    if (queue.type === 'quorum') args['x-delivery-limit'] = BROKER_DELIVERY_LIMIT;
  }
  return args;
}
