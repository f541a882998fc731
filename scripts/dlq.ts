/*
 * Dead-letter queue tool: `npm run dlq -- <list|inspect|replay|purge> --queue <engine|executor> [--limit N]`.
 * Reads AMQP_URL and FLOWLINE_NAMESPACE like the workers do.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '@flowline/config';
import { DeadLetterAdmin, defineTopology, HEADERS, type PeekedDeadLetter, type SubscriptionName } from '@flowline/messaging';

const QUEUES: Record<string, SubscriptionName> = { engine: 'engine.events', executor: 'executor.actions' };
const COMMANDS = ['list', 'inspect', 'replay', 'purge'] as const;
const USAGE = 'usage: npm run dlq -- <list|inspect|replay|purge> --queue <engine|executor> [--limit N]';
/** How much of a body `inspect` prints: a poison message can be megabytes. */
const BODY_PREVIEW_BYTES = 2048;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { queue: { type: 'string', short: 'q' }, limit: { type: 'string', short: 'n' } },
});
const command = positionals[0] as (typeof COMMANDS)[number] | undefined;
if (command === undefined || !COMMANDS.includes(command)) fail(USAGE);
const subscription = QUEUES[values.queue ?? ''];
if (subscription === undefined) fail(`--queue must be engine or executor\n${USAGE}`);
const limit = values.limit === undefined ? undefined : Number(values.limit);
if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) fail(`--limit must be a positive whole number\n${USAGE}`);

let config;
try {
  config = loadConfig();
} catch (error) {
  fail(error instanceof ConfigError ? error.message : String(error));
}
if (!config.AMQP_URL) fail('AMQP_URL is not set: dead letters only exist on RabbitMQ');

const admin = new DeadLetterAdmin({ url: config.AMQP_URL, topology: defineTopology(config.FLOWLINE_NAMESPACE) });
try {
  const queue = admin.queueOf(subscription);
  switch (command) {
    case 'list': {
      // Counted before peeking: peeked messages are only handed back as the peek's channel closes.
      const total = await admin.count(subscription);
      const letters = await admin.peek(subscription, limit ?? 50);
      console.log(`${queue}: ${total} dead letter(s)${letters.length < total ? `, showing the oldest ${letters.length}` : ''}`);
      for (const letter of letters) console.log(summaryLine(letter));
      break;
    }
    case 'inspect': {
      for (const letter of await admin.peek(subscription, limit ?? 1)) console.log(JSON.stringify(detail(letter), null, 2));
      break;
    }
    case 'replay': {
      const replayed = await admin.replay(subscription, limit ?? Number.MAX_SAFE_INTEGER);
      for (const letter of replayed) console.log(`replayed ${letter.messageId ?? '(no id)'} ${letter.routingKey}`);
      console.log(`replayed ${replayed.length} dead letter(s) from ${queue}`);
      break;
    }
    case 'purge': {
      console.log(`purged ${await admin.purge(subscription, limit)} dead letter(s) from ${queue}`);
      break;
    }
  }
} catch (error) {
  console.error(`dlq ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await admin.close();
}

function summaryLine(letter: PeekedDeadLetter): string {
  const h = letter.headers;
  return [
    letter.messageId ?? '(no id)',
    `tenant=${text(h[HEADERS.tenantId])}`,
    `key=${letter.routingKey}`,
    `attempts=${text(h[HEADERS.attempts])}`,
    `dead-lettered=${text(h[HEADERS.deadLetteredAt])}`,
    `bytes=${letter.content.length}`,
    `reason=${JSON.stringify(letter.reason)}`,
  ].join('  ');
}

function detail(letter: PeekedDeadLetter): Record<string, unknown> {
  const body = letter.content.subarray(0, BODY_PREVIEW_BYTES).toString('utf8');
  return {
    messageId: letter.messageId,
    correlationId: letter.correlationId,
    routingKey: letter.routingKey,
    reason: letter.reason,
    headers: Object.fromEntries(Object.entries(letter.headers).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : v])),
    bytes: letter.content.length,
    body: letter.content.length > BODY_PREVIEW_BYTES ? `${body}… (${letter.content.length - BODY_PREVIEW_BYTES} more bytes)` : body,
  };
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '-';
  return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
}
