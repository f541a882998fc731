import { MongoClient, type Db } from 'mongodb';
import type { Stores } from '../ports.ts';
import { COLLECTIONS, ensureIndexes } from './mongo-collections.ts';
import { MongoAuditStore } from './mongo-audit-store.ts';
import { MongoEntityStore } from './mongo-entity-store.ts';
import { MongoEventStore } from './mongo-event-store.ts';
import { MongoExecutionStore } from './mongo-execution-store.ts';
import { MongoNotificationStore } from './mongo-notification-store.ts';
import { MongoOutboxStore } from './mongo-outbox-store.ts';
import { MongoRuleStore } from './mongo-rule-store.ts';
import { MongoScheduleStore } from './mongo-schedule-store.ts';
import { MongoSettingsStore } from './mongo-settings-store.ts';
import { MongoTaskStore } from './mongo-task-store.ts';
import { applyRetentionIndexes } from './mongo-retention.ts';
import type { RetentionPolicy } from '../retention.ts';
import { MongoWebhookStore } from './mongo-webhook-store.ts';

/**
 * The specification names `config.automation_rules`, but MongoDB reserves `config` (as it does
 * `admin` and `local`): it allows no multi-document transaction there, which entity writes
 * need. Flowline's collections keep their names in a database of its own.
 */
export const DEFAULT_MONGODB_DATABASE = 'flowline';
const RESERVED_DATABASES = new Set(['admin', 'config', 'local']);

/** All stores over one MongoDB client. */
export class MongoStores implements Stores {
  readonly kind = 'mongodb';
  readonly rules: MongoRuleStore;
  readonly events: MongoEventStore;
  readonly executions: MongoExecutionStore;
  readonly notifications: MongoNotificationStore;
  readonly tasks: MongoTaskStore;
  readonly entities: MongoEntityStore;
  readonly outbox: MongoOutboxStore;
  readonly settings: MongoSettingsStore;
  readonly audit: MongoAuditStore;
  readonly schedule: MongoScheduleStore;
  readonly webhooks: MongoWebhookStore;
  readonly #client: MongoClient;
  readonly #db: Db;

  constructor(client: MongoClient, db: Db) {
    this.#client = client;
    this.#db = db;
    this.audit = new MongoAuditStore(db.collection(COLLECTIONS.ruleVersions), db.collection(COLLECTIONS.audit));
    this.rules = new MongoRuleStore(client, db.collection(COLLECTIONS.rules), this.audit);
    // Primary reads: the read-back after a duplicate insert must see the row that won.
    const executions = db.collection(COLLECTIONS.executions, { readPreference: 'primary' });
    this.executions = new MongoExecutionStore(executions, db.collection(COLLECTIONS.actionResults, { readPreference: 'primary' }));
    this.events = new MongoEventStore(db.collection(COLLECTIONS.events, { readPreference: 'primary' }), executions, this.executions);
    this.notifications = new MongoNotificationStore(db.collection(COLLECTIONS.notifications), this.executions);
    this.tasks = new MongoTaskStore(db.collection(COLLECTIONS.tasks), this.executions);
    const entityCollections = {
      contact: db.collection(COLLECTIONS.contacts),
      lead: db.collection(COLLECTIONS.leads),
      opportunity: db.collection(COLLECTIONS.opportunities),
    };
    this.entities = new MongoEntityStore(client, entityCollections, db.collection(COLLECTIONS.outbox));
    this.outbox = new MongoOutboxStore(db.collection(COLLECTIONS.outbox));
    this.settings = new MongoSettingsStore(db.collection(COLLECTIONS.settings));
    this.schedule = new MongoScheduleStore(db.collection(COLLECTIONS.scheduled, { readPreference: 'primary' }));
    this.webhooks = new MongoWebhookStore(db.collection(COLLECTIONS.webhookSecrets), db.collection(COLLECTIONS.webhookDeliveries, { readPreference: 'primary' }));
  }

  async ping(): Promise<void> {
    await this.#db.command({ ping: 1 });
  }

  /** MongoDB reuses the space of deleted documents by itself. */
  async compact(): Promise<void> {}

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/**
 * Connects to MongoDB at `url`, checks that it answers, creates the indexes (with `retention`,
 * also the TTL indexes that expire old documents) and returns the stores on database `databaseName`.
 */
export async function openMongoStores(url: string, databaseName: string = DEFAULT_MONGODB_DATABASE, options: { retention?: RetentionPolicy } = {}): Promise<Stores> {
  if (RESERVED_DATABASES.has(databaseName)) {
    throw new Error(
      `storage: MongoDB database ${JSON.stringify(databaseName)} is reserved by MongoDB and allows no transactions; set MONGODB_DATABASE to another name such as "flowline"`,
    );
  }
  // Without ignoreUndefined the driver stores an undefined optional field as null, which the
  // contracts' schemas would then refuse when the document is read back.
  const client = new MongoClient(url, { ignoreUndefined: true });
  try {
    await client.connect();
    const db = client.db(databaseName);
    await db.command({ ping: 1 });
    await requireTransactions(db);
    await ensureIndexes(db);
    if (options.retention) await applyRetentionIndexes(db, options.retention);
    return new MongoStores(client, db);
  } catch (error) {
    await client.close().catch(() => {});
    throw error;
  }
}

/**
 * Entity writes commit the entity and its outbox events in one multi-document transaction,
 * which a standalone mongod refuses on the first write. Say so at start-up instead.
 */
async function requireTransactions(db: Db): Promise<void> {
  const hello = await db.admin().command({ hello: 1 });
  if (typeof hello['setName'] !== 'string' && hello['msg'] !== 'isdbgrid') {
    throw new Error(
      'storage: MongoDB is a standalone server, but Flowline needs multi-document transactions; run it as a replica set (one node will do: mongod --replSet rs0, then rs.initiate()) or behind mongos',
    );
  }
}
