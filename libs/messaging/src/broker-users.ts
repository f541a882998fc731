import { queueArguments } from './declare-topology.ts';
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
 * - engine: consume its event queue, publish action commands and retry/dead-letter copies,
 *   and hold its own rule-change queue.
 * - executor: consume its action queue, publish retry/dead-letter copies, the events its
 *   outbox relay sends (`update_status`) and the action commands its scheduler sends when a
 *   delayed action comes due (it carries them out anyway, so this grants nothing new).
 * - publisher (another service publishing straight to RabbitMQ): publish events, nothing else.
 */
export function brokerPermissions(topology: Topology): Record<BrokerRole, BrokerPermission> {
  const { events, actions, retry, deadLetter, ruleChanges } = topology.exchanges;
  const engineQueue = topology.subscriptions['engine.events'].queue;
  const executorQueue = topology.subscriptions['executor.actions'].queue;
  return {
    api: { configure: NOTHING, write: only(events.name, ruleChanges.name), read: NOTHING },
    engine: {
      configure: `^${BROADCAST_QUEUE}$`,
      write: `${only(actions.name, retry.name, deadLetter.name)}|^${BROADCAST_QUEUE}$`,
      read: `${only(engineQueue, ruleChanges.name)}|^${BROADCAST_QUEUE}$`,
    },
    executor: { configure: NOTHING, write: only(events.name, actions.name, retry.name, deadLetter.name), read: only(executorQueue) },
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
      name: exchange.name, vhost, type: exchange.type, durable: true, auto_delete: false, internal: false, arguments: {},
    })),
    queues: Object.values(topology.queues).map((queue) => ({ name: queue.name, vhost, durable: true, auto_delete: false, arguments: queueArguments(queue, topology) })),
    bindings: topology.bindings.map((binding) => ({
      source: binding.exchange, vhost, destination: binding.queue, destination_type: 'queue', routing_key: binding.routingKey, arguments: {},
    })),
  };
}

/** RabbitMQ's `rabbit_password_hashing_sha256`: base64(salt ‖ sha256(salt ‖ password)). */
export async function rabbitPasswordHash(password: string, salt?: Buffer): Promise<string> {
  const { createHash, randomBytes } = await import('node:crypto');
  const s = salt ?? randomBytes(4);
  return Buffer.concat([s, createHash('sha256').update(Buffer.concat([s, Buffer.from(password, 'utf8')])).digest()]).toString('base64');
}
