import { statSync } from 'node:fs';
import { loadConfig } from '@flowline/config';
import { retentionFromConfig } from '@flowline/runtime';
import { openStores, pruneExpired } from '@flowline/storage';
import { parse } from '../args.ts';
import { UsageError } from '../cli-error.ts';

export const PRUNE_HELP = `Usage: flowline prune [--vacuum]

Deletes now what is past retention, the same pass the roles run every PRUNE_INTERVAL_MS on
SQLite (MongoDB's TTL indexes expire documents by themselves; this also removes documents
stored before those indexes existed). Prints how many rows of each kind went.
  RETENTION_DAYS               executions (default 30)
  NOTIFICATION_RETENTION_DAYS  notifications (default 30)
  TASK_RETENTION_DAYS          tasks (default 0: kept)
  OUTBOX_RETENTION_DAYS        outbox rows the broker confirmed (default 7)
0 keeps that kind for ever.

Options:
  --vacuum     SQLite only: rewrite the file once so that pruned space goes back to the file
               system (files created before Flowline turned on incremental auto-vacuum);
               needs a moment of exclusive access and as much free disk as the file
  -h, --help   this help`;

export async function pruneCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, 'prune', { vacuum: { type: 'boolean', default: false } }, true);
  if (values.help) return void console.log(PRUNE_HELP);
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]!.slice(0, 40)}'`, 'prune');
  // Authentication settings do not concern the store.
  const config = loadConfig({ ...process.env, AUTH_MODE: 'trusted-header' });
  const stores = await openStores({
    mongodbUrl: config.MONGODB_URL,
    mongodbDatabase: config.MONGODB_DATABASE,
    sqlitePath: config.SQLITE_PATH,
    sqliteBusyTimeoutMs: config.SQLITE_BUSY_TIMEOUT_MS,
  });
  const size = () => (stores.kind === 'sqlite' ? [config.SQLITE_PATH, `${config.SQLITE_PATH}-wal`].reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0) : 0);
  try {
    const before = size();
    const deleted = await pruneExpired(stores, retentionFromConfig(config));
    if (values.vacuum) {
      if (stores.kind !== 'sqlite') throw new UsageError('--vacuum is for SQLite; MongoDB reuses the space of deleted documents', 'prune');
      // SqliteStores only: not part of the Stores port, since no other adapter has such a step.
      await (stores as typeof stores & { vacuum(): Promise<void> }).vacuum();
    }
    console.log(
      `pruned ${deleted.executions} execution(s), ${deleted.notifications} notification(s), ${deleted.tasks} task(s), ${deleted.sentOutbox} sent outbox row(s)` +
        (stores.kind === 'sqlite' ? `; ${config.SQLITE_PATH}: ${kib(before)} → ${kib(size())}` : ''),
    );
  } finally {
    await stores.close();
  }
}

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
