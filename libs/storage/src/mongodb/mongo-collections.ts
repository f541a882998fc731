import type { Db, IndexDescription } from 'mongodb';

/** Collection names; `automation_rules` is the name the specification gives. */
export const COLLECTIONS = {
  rules: 'automation_rules',
  executions: 'automation_executions',
  events: 'automation_events',
  actionResults: 'automation_action_results',
  notifications: 'notifications',
  tasks: 'tasks',
  contacts: 'crm_contacts',
  leads: 'crm_leads',
  opportunities: 'sales_opportunities',
  outbox: 'event_outbox',
  settings: 'automation_settings',
  ruleVersions: 'automation_rule_versions',
  audit: 'audit_log',
  scheduled: 'scheduled_actions',
  webhookSecrets: 'webhook_secrets',
  webhookDeliveries: 'webhook_deliveries',
} as const;

const ENTITY_INDEXES: IndexDescription[] = [
  { key: { tenant_id: 1, id: 1 }, unique: true },
  { key: { tenant_id: 1, created_at: -1, id: -1 } },
];

/** Every query leads with tenant_id, so every index does too (aside from the outbox relay's and retention's). */
const INDEXES: Record<keyof typeof COLLECTIONS, IndexDescription[]> = {
  rules: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { tenant_id: 1, trigger_id: 1, is_active: 1, created_at: -1, id: -1 } },
    { key: { tenant_id: 1, created_at: -1, id: -1 } },
  ],
  executions: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { created_at: 1 } },
    { key: { tenant_id: 1, rule_id: 1, created_at: -1, id: -1 } },
    { key: { tenant_id: 1, event_id: 1 } },
    { key: { tenant_id: 1, trigger_id: 1, created_at: -1, id: -1 } },
    { key: { tenant_id: 1, created_at: -1, id: -1 } },
  ],
  events: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { tenant_id: 1, received_at: -1, id: -1 } },
  ],
  actionResults: [
    { key: { tenant_id: 1, command_id: 1 }, unique: true },
    { key: { tenant_id: 1, execution_id: 1 } },
  ],
  notifications: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { created_at: 1 } },
    { key: { tenant_id: 1, created_at: -1, id: -1 } },
  ],
  tasks: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { created_at: 1 } },
    { key: { tenant_id: 1, created_at: -1, id: -1 } },
  ],
  contacts: ENTITY_INDEXES,
  leads: ENTITY_INDEXES,
  opportunities: ENTITY_INDEXES,
  outbox: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { sent_at: 1, queued_at: 1, _id: 1 } },
    { key: { tenant_id: 1, sent_at: 1, queued_at: 1, _id: 1 } },
  ],
  settings: [{ key: { tenant_id: 1 }, unique: true }],
  ruleVersions: [{ key: { tenant_id: 1, rule_id: 1, version: -1 }, unique: true }],
  audit: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { tenant_id: 1, created_at: -1, id: -1 } },
  ],
  // (state, due time) serves the schedulers' claim across tenants; the second the tenant's list.
  scheduled: [
    { key: { tenant_id: 1, id: 1 }, unique: true },
    { key: { state: 1, due_ms: 1 } },
    { key: { tenant_id: 1, state: 1, due_ms: 1, id: 1 } },
  ],
  webhookSecrets: [{ key: { tenant_id: 1 }, unique: true }],
  webhookDeliveries: [{ key: { tenant_id: 1, id: 1 }, unique: true }],
};

/**
 * Creates the collections' indexes. Idempotent: createIndexes does nothing for an index that
 * exists with the same key and options, so every process may call it on start.
 */
export async function ensureIndexes(db: Db): Promise<void> {
  await Promise.all(
    (Object.keys(COLLECTIONS) as Array<keyof typeof COLLECTIONS>).map((name) =>
      db.collection(COLLECTIONS[name]).createIndexes(INDEXES[name]),
    ),
  );
}

/** Leaves MongoDB's `_id` (and retention's `stored_at`) out of every document read: the contracts have no such fields. */
export const WITHOUT_ID = { projection: { _id: 0, stored_at: 0 } } as const;

/**
 * Newest first, with the id breaking ties so that the order is the same on every call. It
 * compares `created_at` as text, which is time order because Flowline writes every
 * `created_at` itself with toISOString() (UTC, milliseconds); SQLite normalises as well.
 */
export const NEWEST_FIRST = { created_at: -1, id: -1 } as const;
