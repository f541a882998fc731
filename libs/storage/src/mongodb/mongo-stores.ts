import { MongoClient, type Db } from 'mongodb';
import type { Stores } from '../ports.ts';
import { COLLECTIONS, ensureIndexes } from './mongo-collections.ts';
import { MongoEntityStore } from './mongo-entity-store.ts';
import { MongoExecutionStore } from './mongo-execution-store.ts';
import { MongoNotificationStore } from './mongo-notification-store.ts';
import { MongoOutboxStore } from './mongo-outbox-store.ts';
import { MongoRuleStore } from './mongo-rule-store.ts';
import { MongoSettingsStore } from './mongo-settings-store.ts';
import { MongoTaskStore } from './mongo-task-store.ts';

/** The database the specification names (`config.automation_rules`). */
export const DEFAULT_MONGODB_DATABASE = 'config';

/** All stores over one MongoDB client. */
export class MongoStores implements Stores {
  readonly kind = 'mongodb';
  readonly rules: MongoRuleStore;
  readonly executions: MongoExecutionStore;
  readonly notifications: MongoNotificationStore;
  readonly tasks: MongoTaskStore;
  readonly entities: MongoEntityStore;
  readonly outbox: MongoOutboxStore;
  readonly settings: MongoSettingsStore;
  readonly #client: MongoClient;
  readonly #db: Db;

  constructor(client: MongoClient, db: Db) {
    this.#client = client;
    this.#db = db;
    this.rules = new MongoRuleStore(db.collection(COLLECTIONS.rules));
    this.executions = new MongoExecutionStore(db.collection(COLLECTIONS.executions));
    this.notifications = new MongoNotificationStore(db.collection(COLLECTIONS.notifications));
    this.tasks = new MongoTaskStore(db.collection(COLLECTIONS.tasks));
    const entityCollections = {
      contact: db.collection(COLLECTIONS.contacts),
      lead: db.collection(COLLECTIONS.leads),
      opportunity: db.collection(COLLECTIONS.opportunities),
    };
    this.entities = new MongoEntityStore(client, entityCollections, db.collection(COLLECTIONS.outbox));
    this.outbox = new MongoOutboxStore(db.collection(COLLECTIONS.outbox));
    this.settings = new MongoSettingsStore(db.collection(COLLECTIONS.settings));
  }

  async ping(): Promise<void> {
    await this.#db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/**
 * Connects to MongoDB at `url`, checks that it answers, creates the indexes and returns the
 * stores on database `databaseName`.
 */
export async function openMongoStores(url: string, databaseName: string = DEFAULT_MONGODB_DATABASE): Promise<Stores> {
  // Without ignoreUndefined the driver stores an undefined optional field as null, which the
  // contracts' schemas would then refuse when the document is read back.
  const client = new MongoClient(url, { ignoreUndefined: true });
  try {
    await client.connect();
    const db = client.db(databaseName);
    await db.command({ ping: 1 });
    await ensureIndexes(db);
    return new MongoStores(client, db);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}
