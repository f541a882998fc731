/*
 * `npm run rabbitmq:definitions > definitions.json` prints a RabbitMQ definitions document: the
 * topology of FLOWLINE_NAMESPACE (with the retry queues MAX_DELIVERY_ATTEMPTS / RETRY_*_MS make),
 * one least-privilege user per role (`<namespace>-api`, `-engine`, `-executor`, `-publisher`)
 * and an administrator (`<namespace>-admin`) for the management UI and `npm run dlq`. Passwords
 * come from RABBITMQ_PASSWORD_API, _ENGINE, _EXECUTOR, _PUBLISHER and _ADMIN; a missing one is
 * an error unless `--laptop`, which uses `<user>-laptop` (ops/rabbitmq/definitions.json).
 * Run the roles with AMQP_TOPOLOGY=verify: the broker declares the topology, not they.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@flowline/config';
import { BROKER_ROLES, brokerDefinitions, brokerPermissions, defineTopology, rabbitPasswordHash, type BrokerUser } from '@flowline/messaging';

const { values } = parseArgs({ options: { laptop: { type: 'boolean', default: false }, vhost: { type: 'string', default: '/' } } });

try {
  const config = loadConfig(process.env);
  const topology = defineTopology(
    config.FLOWLINE_NAMESPACE,
    { maxAttempts: config.MAX_DELIVERY_ATTEMPTS, retryDelay: { baseMs: config.RETRY_BASE_MS, maxMs: Math.max(config.RETRY_BASE_MS, config.RETRY_MAX_MS) } },
    'operator',
  );
  const password = (role: string, user: string): string => {
    const value = process.env[`RABBITMQ_PASSWORD_${role.toUpperCase()}`];
    if (value) return value;
    if (values.laptop) return `${user}-laptop`;
    throw new Error(`RABBITMQ_PASSWORD_${role.toUpperCase()} is not set (or pass --laptop for laptop-only passwords)`);
  };
  const permissions = brokerPermissions(topology);
  const users: BrokerUser[] = [];
  for (const role of BROKER_ROLES) {
    const name = `${config.FLOWLINE_NAMESPACE}-${role}`;
    users.push({ name, passwordHash: await rabbitPasswordHash(password(role, name)), tags: [], permission: permissions[role] });
  }
  const admin = `${config.FLOWLINE_NAMESPACE}-admin`;
  users.push({ name: admin, passwordHash: await rabbitPasswordHash(password('admin', admin)), tags: ['administrator'], permission: { configure: '.*', write: '.*', read: '.*' } });
  process.stdout.write(`${JSON.stringify(brokerDefinitions(topology, users, values.vhost), null, 2)}\n`);
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
}
