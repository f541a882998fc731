import { randomUUID } from 'node:crypto';
import { describe, inject, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { openStores, type Stores } from '@flowline/storage';
import { tempDir } from './harness.ts';

export type StoreKind = 'sqlite' | 'mongodb';

/** Every store the end-to-end suites run on. */
export const STORE_KINDS: readonly StoreKind[] = ['sqlite', 'mongodb'];

/**
 * Where one test's data lives: a fresh SQLite file, or a fresh database on the MongoDB server
 * the global setup found. Processes started by the test get `env`; the test itself opens the
 * same stores with `open()`; `remove()` deletes the file or drops the database.
 */
export interface StoreTarget {
  readonly kind: StoreKind;
  /** What a spawned role needs to reach these stores (and nothing of the other kind). */
  readonly env: Record<string, string>;
  /** Only on SQLite: the file. */
  readonly sqlitePath: string;
  /** Only on MongoDB. */
  readonly mongodb?: { url: string; database: string };
  open(): Promise<Stores>;
  remove(): Promise<void>;
}

export function storeTarget(kind: StoreKind): StoreTarget {
  const dir = tempDir();
  const sqlitePath = `${dir.path}/flowline.db`;
  if (kind === 'sqlite') {
    return {
      kind,
      // An empty MONGODB_URL overrides one the developer exported, which would otherwise win.
      env: { SQLITE_PATH: sqlitePath, MONGODB_URL: '' },
      sqlitePath,
      open: () => openStores({ sqlitePath }),
      remove: async () => dir.remove(),
    };
  }
  const url = inject('mongodbUrl');
  if (!url) throw new Error(inject('mongodbSkipReason') || 'no MongoDB server');
  // One database per test file and run, so parallel files and runs never see each other's data.
  const database = `flowline_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return {
    kind,
    env: { MONGODB_URL: url, MONGODB_DATABASE: database, SQLITE_PATH: sqlitePath },
    sqlitePath,
    mongodb: { url, database },
    open: () => openStores({ mongodbUrl: url, mongodbDatabase: database, sqlitePath }),
    async remove() {
      const admin = await new MongoClient(url).connect();
      try {
        await admin.db(database).dropDatabase();
      } finally {
        await admin.close();
        dir.remove();
      }
    },
  };
}

/**
 * Runs the suite `body` once per store kind, each in a describe block named after it. Without
 * a MongoDB server (no MONGODB_URL, no test server, no Docker) the MongoDB block skips, saying why.
 */
export function describeEachStore(name: string, body: (kind: StoreKind) => void, kinds: readonly StoreKind[] = STORE_KINDS): void {
  for (const kind of kinds) {
    if (kind === 'mongodb' && !inject('mongodbUrl')) {
      // The body is not even collected: it would open a database that is not there.
      console.warn(`${name} on mongodb: ${inject('mongodbSkipReason')}`);
      describe.skip(`${name} (${kind})`, () => it.skip('needs a MongoDB server'));
      continue;
    }
    describe(`${name} (${kind})`, () => body(kind));
  }
}
