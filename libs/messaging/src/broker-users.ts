import { exchangeArguments, queueArguments } from './declare-topology.ts';
import type { Topology } from './topology.ts';

/*
 * Least privilege on the broker: one RabbitMQ user per role, each allowed only what that role
 * does, derived from the topology (so a renamed queue cannot drift from its permission).
 * RabbitMQ checks `configure` on declare/delete, `write` on publish (exchange) and bind (queue),
 * `read` on consume/get (queue) and bind (exchange); passive declares need none.
 */

export const BROKER_ROLES = ['api', 'engine', 'executor', 'publisher'] as const;
export type BrokerRole = (typeof BROKER_ROLES)[number];

export interface BrokerPermission {
  configure: string;
  write: string;
  read: string;
}

const NOTHING = '^$';
/** The server-named, exclusive queue a rule-change subscriber declares, binds and reads. */
const BROADCAST_QUEUE = 'amq\\.gen-.*';

/** `^(a|b)$` over exact names. */
function only(...names: string[]): string {
  return `^(${names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}

/**
 * What each role may do when the topology is declared by the operator (`AMQP_TOPOLOGY=verify`):
 * - api: publish events (HTTP and its outbox relay) and rule-change notices; read nothing.
 * - engine: consume its event queues (both lanes), publish action commands and
 *   retry/dead-letter/deferral copies, bind and unbind its deferred queue to the events'
 *   admission exchange (demoting and promoting a tenant), and hold its own rule-change queue.
 * - executor: consume its action queues (both lanes), the same for the actions' admission
 *   exchange, publish retry/dead-letter/deferral copies, the events its
 *   outbox relay sends (`update_status`) and the action commands its scheduler sends when a
 *   delayed action comes due (it carries them out anyway, so this grants nothing new).
 * - publisher (another service publishing straight to RabbitMQ): publish events, nothing else.
 */
export function brokerPermissions(topology: Topology): Record<BrokerRole, BrokerPermission> {
  const { events, actions, retry, deadLetter, ruleChanges, deferral } = topology.exchanges;
  const engineQueue = topology.subscriptions['engine.events'].queue;
  const executorQueue = topology.subscriptions['executor.actions'].queue;
  const engineLane = topology.lanes['engine.events'];
  const executorLane = topology.lanes['executor.actions'];
  return {
    api: { configure: NOTHING, write: only(events.name, ruleChanges.name), read: NOTHING },
    engine: {
      configure: `^${BROADCAST_QUEUE}$`,
      // Binding needs write on the queue bound and read on the exchange it is bound to.
      write: `${only(actions.name, retry.name, deadLetter.name, deferral.name, engineLane.deferredQueue)}|^${BROADCAST_QUEUE}$`,
      read: `${only(engineQueue, engineLane.deferredQueue, engineLane.admission, ruleChanges.name)}|^${BROADCAST_QUEUE}$`,
    },
    executor: {
      configure: NOTHING,
      write: only(events.name, actions.name, retry.name, deadLetter.name, deferral.name, executorLane.deferredQueue),
      read: only(executorQueue, executorLane.deferredQueue, executorLane.admission),
    },
    publisher: { configure: NOTHING, write: only(events.name), read: NOTHING },
  };
}

export interface BrokerUser {
  name: string;
  /** RabbitMQ's salted SHA-256 hash (see {@link rabbitPasswordHash}). */
  passwordHash: string;
  tags: string[];
  permission: BrokerPermission;
}

/**
 * A RabbitMQ definitions document (import with `load_definitions` or `rabbitmqctl
 * import_definitions`): the topology, declared once by the operator, and the users.
 */
export function brokerDefinitions(topology: Topology, users: BrokerUser[], vhost = '/'): Record<string, unknown> {
  return {
    vhosts: [{ name: vhost }],
    users: users.map((user) => ({ name: user.name, password_hash: user.passwordHash, hashing_algorithm: 'rabbit_password_hashing_sha256', tags: user.tags })),
    permissions: users.map((user) => ({ user: user.name, vhost, ...user.permission })),
    exchanges: Object.values(topology.exchanges).map((exchange) => ({
      name: exchange.name, vhost, type: exchange.type, durable: true, auto_delete: false, internal: false, arguments: exchangeArguments(exchange),
    })),
    queues: Object.values(topology.queues).map((queue) => ({ name: queue.name, vhost, durable: true, auto_delete: false, arguments: queueArguments(queue, topology) })),
    bindings: [
      ...topology.bindings.map((binding) => ({
        source: binding.exchange, vhost, destination: binding.queue, destination_type: 'queue', routing_key: binding.routingKey, arguments: {},
      })),
      ...topology.exchangeBindings.map((binding) => ({
        source: binding.source, vhost, destination: binding.destination, destination_type: 'exchange', routing_key: binding.routingKey, arguments: {},
      })),
    ],
  };
}

/** RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ sha256(salt ‖ password)). */
export async function rabbitPasswordHash(password: string, salt?: Buffer): Promise<string> {
  const { createHash, randomBytes } = await import('node:crypto');
  const s = salt ?? randomBytes(4);
  return Buffer.concat([s, createHash('sha256').update(Buffer.concat([s, Buffer.from(password, 'utf8')])).digest()]).toString('base64');
}
