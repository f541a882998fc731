import { randomUUID } from 'node:crypto';
import { parseTenantId } from '@flowline/contracts';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openMongoStores, openStores, type RetentionPolicy } from '../src/index.ts';
import { makeExecution, recordExecution, makeRule } from './documents.ts';
import { explainQuery, filterOf, indexWithEqualityOnLeadingField, plansIndexPrefixWithResidualFilter, servedByIndex, watchQueries } from './mongo-explain.ts';
import { storeContract } from './store-contract.ts';

const url = inject('mongodbUrl');
// The global setup finds MongoDB (MONGODB_URL, else a testcontainer). With neither a server
// nor a Docker engine on the machine there is nothing real to test against, and a mock would
// prove nothing about the adapter, so the suite skips and says why.
if (!url) console.warn(inject('mongodbSkipReason'));

const COLLECTION_NAMES = ['automation_rules', 'automation_executions', 'notifications', 'tasks'];
// Emptied before each test too; their unique index is checked by the contract suite instead.
const MODULE_COLLECTIONS = ['automation_events', 'automation_action_results', 'crm_contacts', 'crm_leads', 'sales_opportunities', 'event_outbox', 'automation_settings', 'scheduled_actions', 'webhook_secrets', 'webhook_deliveries', 'automation_rule_versions', 'audit_log'];
const A = parseTenantId('tenant-a');

describe.skipIf(!url)('MongoDB stores', () => {
  // One database per run, so runs never see each other's data; dropped at the end.
  const databaseName = `flowline_test_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  let admin: MongoClient;
  // Every query shape the adapters send while the contract suite drives them, explained below.
  let watch: ReturnType<typeof watchQueries>;

  beforeAll(async () => {
    admin = await new MongoClient(url!).connect();
    watch = watchQueries(url!);
  });

  afterAll(async () => {
    watch?.stop();
    await admin?.db(databaseName).dropDatabase();
    await admin?.close();
  });

  describe('contract', () => {
    // Empties the collections (keeping their indexes) so that every test starts from nothing.
    storeContract(async () => {
      const stores = await openMongoStores(watch.url, databaseName);
      await Promise.all([...COLLECTION_NAMES, ...MODULE_COLLECTIONS].map((name) => admin.db(databaseName).collection(name).deleteMany({})));
      return stores;
    });
  });

  it('when every query the contract suite made the adapters send is explained, then an index serves each (IXSCAN, never COLLSCAN)', async () => {
    const db = admin.db(databaseName);
    const explained = await Promise.all([...watch.queries.values()].map((query) => explainQuery(db, query)));
    const commands = new Set(explained.map((e) => e.query.command));
    // The adapters' reads, writes and the outbox lease all went through the watch.
    expect(commands).toEqual(new Set(['find', 'update', 'delete', 'findAndModify', 'aggregate']));
    expect(explained.length).toBeGreaterThan(15);
    // The later pages of every cursor list are among them (their filter carries the cursor's position).
    const laterPages = new Set(explained.filter((e) => e.query.command === 'find' && /"\$(or|lt)"/.test(JSON.stringify(filterOf(e.query)))).map((e) => e.query.collection));
    expect([...laterPages]).toEqual(expect.arrayContaining(['automation_rules', 'automation_rule_versions', 'notifications', 'tasks', 'automation_executions', 'automation_events', 'audit_log']));

    // A server whose planner ignores an index as soon as the filter has a field outside it
    // (SecantusDB) cannot show what MongoDB would pick for such a filter. There, a COLLSCAN
    // plan is checked instead for what MongoDB needs to use an index: an equality on the
    // index's first field. On MongoDB every plan must scan an index.
    const planner = await plansIndexPrefixWithResidualFilter(db);
    const unserved: string[] = [];
    const judgedStatically: string[] = [];
    for (const { query, stages, via, parsedQuery } of explained) {
      if (servedByIndex(stages)) continue;
      const line = `${query.command} on ${query.collection} (${via}): ${JSON.stringify(parsedQuery)} → ${stages.join(' < ')}`;
      const index = planner.yes ? undefined : indexWithEqualityOnLeadingField(filterOf(query), await db.collection(query.collection).indexes());
      if (index === undefined) unserved.push(line);
      else judgedStatically.push(`${line} (index ${index})`);
    }
    console.log(
      `[indexes] ${explained.length} query shapes explained (${[...commands].join(', ')}); ` +
        `${explained.filter((e) => e.via !== 'command').length} explained as a find with the same filter (the server does not explain that command's filter); ` +
        `${explained.length - judgedStatically.length - unserved.length} IXSCAN by the server's own plan; ` +
        `${judgedStatically.length} COLLSCAN on this server's planner (uses prefix with residual filter: ${planner.yes}, probe ${planner.stages.join(' < ')}) but led by an index's first field:\n  ` +
        judgedStatically.join('\n  '),
    );
    expect(unserved).toEqual([]);
  });

  it('when opened through openStores with a MongoDB URL, then the stores are MongoDB ones', async () => {
    const stores = await openStores({ mongodbUrl: url!, mongodbDatabase: databaseName, sqlitePath: '/nonexistent/unused.db' });
    try {
      expect(stores.kind).toBe('mongodb');
      await expect(stores.ping()).resolves.toBeUndefined();
    } finally {
      await stores.close();
    }
  });

  it('when opened, then the indexes exist, with tenant_id and id unique together', async () => {
    const stores = await openMongoStores(url!, databaseName);
    await stores.close();
    const db = admin.db(databaseName);
    for (const name of COLLECTION_NAMES) {
      const indexes = await db.collection(name).indexes();
      expect(indexes.find((index) => index.unique === true)?.key, name).toEqual({ tenant_id: 1, id: 1 });
      expect(indexes.some((index) => JSON.stringify(index.key) === JSON.stringify({ tenant_id: 1, created_at: -1, id: -1 })), name).toBe(true);
    }
  });

  it('when opened with a retention policy, then TTL indexes expire old documents by a Date field, follow a changed setting, and go at 0 days', async () => {
    const db = admin.db(databaseName);
    const ttl = async (collection: string) => {
      const index = (await db.collection(collection).indexes()).find((i) => i.name === 'retention_ttl');
      return index && { key: index.key, seconds: index.expireAfterSeconds };
    };
    const open = async (policy: RetentionPolicy) => (await openStores({ mongodbUrl: url!, mongodbDatabase: databaseName, sqlitePath: '/unused.db', retention: policy })).close();

    await open({ executions: 30, notifications: 0.5, tasks: 0, sentOutbox: 7 });
    expect(await ttl('automation_executions')).toEqual({ key: { stored_at: 1 }, seconds: 30 * 86_400 });
    expect(await ttl('notifications')).toEqual({ key: { stored_at: 1 }, seconds: 43_200 });
    expect(await ttl('tasks')).toBeUndefined();
    expect(await ttl('event_outbox')).toEqual({ key: { sent_at: 1 }, seconds: 7 * 86_400 });

    await open({ executions: 10, notifications: 0, tasks: 2, sentOutbox: 7 });
    expect(await ttl('automation_executions')).toEqual({ key: { stored_at: 1 }, seconds: 10 * 86_400 });
    expect(await ttl('notifications')).toBeUndefined();
    expect(await ttl('tasks')).toEqual({ key: { stored_at: 1 }, seconds: 2 * 86_400 });

    // The TTL field is a real Date on the stored document, and never part of what the store returns.
    const stores = await openMongoStores(url!, databaseName);
    try {
      const execution = makeExecution(A);
      await recordExecution(stores, A, execution);
      expect((await db.collection('automation_executions').findOne({ id: execution.id }))?.['stored_at']).toBeInstanceOf(Date);
      expect(await stores.executions.get(A, execution.id)).toEqual({ ...execution, status: 'pending' });
    } finally {
      await stores.close();
    }
  });

  it('when opened twice, then creating the indexes again succeeds', async () => {
    const first = await openMongoStores(url!, databaseName);
    const second = await openMongoStores(url!, databaseName);
    await Promise.all([first.close(), second.close()]);
  });

  it('when a rule is inserted, then the caller\'s object gets no _id and the stored document is the rule plus _id', async () => {
    const stores = await openMongoStores(url!, databaseName);
    try {
      const rule = makeRule(A);
      await stores.rules.insert(A, rule);
      expect(rule).not.toHaveProperty('_id');
      const raw = await admin.db(databaseName).collection('automation_rules').findOne({ id: rule.id });
      const { _id, ...rest } = raw ?? {};
      expect(_id).toBeDefined();
      expect(rest).toEqual(rule);
    } finally {
      await stores.close();
    }
  });

  it('when an id is an object such as { $ne: null }, then it is matched as a string and finds nothing', async () => {
    const stores = await openMongoStores(url!, databaseName);
    try {
      await stores.rules.insert(A, makeRule(A));
      const before = (await stores.rules.list(A, { limit: 500 })).items.length;
      const operator = { $ne: null } as unknown as string;
      expect(await stores.rules.get(A, operator)).toBeNull();
      expect(await stores.rules.delete(A, operator)).toBe(false);
      expect((await stores.rules.list(A, { limit: 500 })).items).toHaveLength(before);
    } finally {
      await stores.close();
    }
  });
});
