import { openMongoStores } from './mongodb/mongo-stores.ts';
import type { Stores } from './ports.ts';
import type { RetentionPolicy } from './retention.ts';
import { openSqliteStores } from './sqlite/sqlite-stores.ts';

/** Where the stores live: MongoDB when a URL is given, else the SQLite file. */
export interface OpenStoresOptions {
  mongodbUrl?: string;
  /** Defaults to `flowline`; MongoDB's reserved `config`, `admin` and `local` are refused. */
  mongodbDatabase?: string;
  sqlitePath: string;
  /**
   * How long an SQLite write waits for another process's lock before it fails (and the message
   * is retried through the broker).
   * @defaultValue 5000
   */
  sqliteBusyTimeoutMs?: number;
  /**
   * On MongoDB, TTL indexes are set to it at open. SQLite has none: its roles run
   * pruneExpired periodically instead. Unset: TTL indexes are left as they are.
   */
  retention?: RetentionPolicy;
}

/**
 * Opens the stores on MongoDB when `mongodbUrl` is given (connecting, pinging and creating
 * indexes), otherwise on the SQLite file at `sqlitePath`.
 */
export async function openStores(options: OpenStoresOptions): Promise<Stores> {
  if (options.mongodbUrl) {
    return openMongoStores(options.mongodbUrl, options.mongodbDatabase, options.retention ? { retention: options.retention } : {});
  }
  return openSqliteStores(options.sqlitePath, { busyTimeoutMs: options.sqliteBusyTimeoutMs });
}
