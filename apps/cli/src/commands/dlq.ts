import { loadConfig } from '@flowline/config';
import { DEAD_LETTER_QUEUES, DeadLetterAdmin, defineTopology, describeDeadLetter, type DeadLetterView } from '@flowline/messaging';
import { parse, positiveInteger } from '../args.ts';
import { CommandError, UsageError } from '../cli-error.ts';
import { confirm } from '../confirm.ts';
import { RemoteDeadLetters } from '../remote-dead-letters.ts';

const ACTIONS = ['list', 'inspect', 'replay', 'purge'] as const;
type Action = (typeof ACTIONS)[number];

export const DLQ_HELP = `Usage: flowline dlq <list|inspect|replay|purge> --queue <engine|executor> [options]

Dead letters: messages a consumer gave up on, with the reason in x-flowline-reason.
  list     count, and one line per dead letter (default the oldest 50); they stay in place
  inspect  full headers and the first 2 KiB of the body of the oldest N (default 1)
  replay   republish through the normal path with a fresh set of attempts, then remove (default all)
  purge    delete N, or all; asks first unless --yes

Where the dead letters are:
  RabbitMQ            AMQP_URL (and FLOWLINE_NAMESPACE), as the workers read them
  npm start, no AMQP  --api http://localhost:3000: the api's /admin/v1 routes over the in-process bus
                      (with AUTH_MODE=jwt also --token, a token with the scope admin:dead-letters)

Options:
  -q, --queue <name>   engine (events) or executor (action commands)
  -n, --limit <N>      how many
  -y, --yes            purge without asking
      --api <url>      the running api (or FLOWLINE_API_URL)
      --token <jwt>    bearer token for --api (or FLOWLINE_TOKEN)
  -h, --help           this help`;

/** How often a long replay reports how far it got (on stderr, so stdout stays the result). */
const PROGRESS_EVERY = 100;

export async function dlqCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(
    argv,
    'dlq',
    {
      queue: { type: 'string', short: 'q' },
      limit: { type: 'string', short: 'n' },
      yes: { type: 'boolean', short: 'y', default: false },
      api: { type: 'string' },
      token: { type: 'string' },
    },
    true,
  );
  if (values.help) return void console.log(DLQ_HELP);
  const action = positionals[0] as Action | undefined;
  if (action === undefined) throw new UsageError('say what to do: list, inspect, replay or purge', 'dlq');
  if (!ACTIONS.includes(action)) throw new UsageError(`unknown dlq command '${action.slice(0, 40)}': use list, inspect, replay or purge`, 'dlq');
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]!.slice(0, 40)}'`, 'dlq');
  const queue = values.queue ?? '';
  if (DEAD_LETTER_QUEUES[queue] === undefined) throw new UsageError('--queue must be engine or executor', 'dlq');
  const limit = positiveInteger(values.limit, 'limit', 'dlq');
  const apiUrl = values.api ?? process.env['FLOWLINE_API_URL'];
  const source = apiUrl ? remoteSource(apiUrl, values.token ?? process.env['FLOWLINE_TOKEN']) : brokerSource();
  try {
    await run(source, action, queue, limit, values.yes);
  } finally {
    await source.close();
  }
}

/** The four operations on either source, in the shape both print from. */
interface Source {
  where: string;
  count(queue: string): Promise<number>;
  list(queue: string, limit: number): Promise<DeadLetterView[]>;
  /** Replays at most `limit` (all without one), each at most once, returning their message ids. */
  replay(queue: string, limit: number | undefined, onProgress: (done: number, total: number) => void): Promise<(string | null)[]>;
  purge(queue: string, limit: number | undefined): Promise<number>;
  close(): Promise<void>;
}

async function run(source: Source, action: Action, queue: string, limit: number | undefined, yes: boolean): Promise<void> {
  switch (action) {
    case 'list': {
      const total = await source.count(queue);
      const letters = await source.list(queue, limit ?? 50);
      console.log(`${source.where} ${queue}: ${total} dead letter(s)${letters.length < total ? `, showing the oldest ${letters.length}` : ''}`);
      for (const letter of letters) console.log(summaryLine(letter));
      return;
    }
    case 'inspect': {
      for (const letter of await source.list(queue, limit ?? 1)) console.log(JSON.stringify(letter, null, 2));
      return;
    }
    case 'replay': {
      const progress = (done: number, total: number) => {
        if (done % PROGRESS_EVERY === 0 || (done === total && total > PROGRESS_EVERY)) process.stderr.write(`replayed ${done}/${total}\n`);
      };
      const ids = await source.replay(queue, limit, progress);
      console.log(`replayed ${ids.length} dead letter(s) from ${source.where} ${queue}`);
      return;
    }
    case 'purge': {
      const waiting = await source.count(queue);
      const doomed = Math.min(limit ?? waiting, waiting);
      if (doomed === 0) return void console.log(`nothing to purge: ${source.where} ${queue} has no dead letters`);
      if (!yes && !(await confirm(`Delete ${doomed} dead letter(s) from ${source.where} ${queue} for good? [y/N] `))) {
        throw new CommandError('not purged (answer y to delete, or pass --yes)');
      }
      console.log(`purged ${await source.purge(queue, limit)} dead letter(s) from ${source.where} ${queue}`);
      return;
    }
  }
}

function brokerSource(): Source {
  // The api's authentication settings do not concern the broker: a production environment
  // without JWT_SECRET must still reach its dead letters.
  const config = loadConfig({ ...process.env, AUTH_MODE: 'trusted-header' });
  if (!config.AMQP_URL) {
    throw new UsageError('AMQP_URL is not set; for the in-process bus of a running `npm start` add --api http://localhost:3000', 'dlq');
  }
  const admin = new DeadLetterAdmin({ url: config.AMQP_URL, topology: defineTopology(config.FLOWLINE_NAMESPACE) });
  const sub = (queue: string) => DEAD_LETTER_QUEUES[queue]!;
  return {
    where: `RabbitMQ (namespace ${config.FLOWLINE_NAMESPACE})`,
    count: (queue) => admin.count(sub(queue)),
    list: async (queue, limit) => (await admin.peek(sub(queue), limit)).map(describeDeadLetter),
    replay: async (queue, limit, onProgress) => (await admin.replay(sub(queue), limit ?? Number.MAX_SAFE_INTEGER, onProgress)).map((letter) => letter.messageId ?? null),
    purge: (queue, limit) => admin.purge(sub(queue), limit),
    close: () => admin.close(),
  };
}

function remoteSource(apiUrl: string, token: string | undefined): Source {
  const remote = new RemoteDeadLetters(apiUrl, token);
  return {
    where: `in-process bus of ${apiUrl}`,
    count: async (queue) => (await remote.list(queue, 1)).total,
    list: async (queue, limit) => (await remote.list(queue, limit)).dead_letters,
    // One request: the in-process bus replays all at once, within the api's own event loop.
    replay: async (queue, limit, onProgress) => {
      const ids = (await remote.replay(queue, limit)).message_ids;
      onProgress(ids.length, ids.length);
      return ids;
    },
    purge: (queue, limit) => remote.purge(queue, limit),
    close: async () => {},
  };
}

function summaryLine(letter: DeadLetterView): string {
  return [
    letter.message_id ?? '(no id)',
    `tenant=${letter.tenant_id ?? '-'}`,
    `key=${letter.routing_key}`,
    `attempts=${letter.attempts ?? '-'}`,
    `dead-lettered=${letter.dead_lettered_at ?? '-'}`,
    `bytes=${letter.bytes}`,
    `reason=${JSON.stringify(letter.reason)}`,
  ].join('  ');
}
