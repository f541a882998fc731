import type {
  ActionResultRecord,
  EventFilter,
  EventRecord,
  AuditEntry,
  AutomationSettings,
  Entity,
  EntityOf,
  EntityPage,
  EntityType,
  EventEnvelope,
  Execution,
  ExecutionFilter,
  ListOptions,
  Notification,
  Page,
  Rule,
  RuleFilter,
  RuleVersion,
  ScheduledAction,
  ScheduledPage,
  Task,
  TenantId,
  WebhookDelivery,
  WebhookSecrets,
} from '@flowline/contracts';

/*
 * Store ports. Every method takes the tenant first: there is no way to read or write
 * without naming whose data it is, and adapters put it in every query they run.
 * Documents passed in carry a `tenant_id` too; adapters reject one that differs.
 */

/**
 * What retention removes: rows written before a cut-off, for every tenant at once. The one kind
 * of store call that takes no tenant, because it is maintenance (`flowline prune`, the periodic
 * pruner), never a tenant's request. A store whose rows expire implements it and gets one line
 * in RETAINED (retention.ts); nothing else changes.
 */
export interface Prunable {
  /** Deletes up to `limit` of the oldest rows written before `before`; returns how many it deleted. */
  pruneBefore(before: Date, limit: number): Promise<number>;
}

/**
 * What a rule change records besides the rule: the new version's snapshot (none for a delete)
 * and the audit entry. A store writes them in the rule's own transaction, so a change is never
 * kept without its record, nor a record without its change.
 */
export interface RuleChangeRecord {
  snapshot: RuleVersion | null;
  entry: AuditEntry;
}

export interface RuleStore {
  /** Rejects, recording nothing, when the tenant already has a rule with this id. */
  insert(tenant: TenantId, rule: Rule, record?: RuleChangeRecord): Promise<void>;
  get(tenant: TenantId, ruleId: string): Promise<Rule | null>;
  /** Newest first, a page of at most `limit` after `cursor`; throws InvalidCursorError for a cursor it did not make. */
  list(tenant: TenantId, filter: RuleFilter): Promise<Page<Rule>>;
  /**
   * Replaces the stored rule with the same id when it is still at `expectedVersion` (a rule
   * stored before versions counts as version 1), so that of two edits made from one read only
   * the first is written.
   */
  replace(tenant: TenantId, rule: Rule, expectedVersion: number, record?: RuleChangeRecord): Promise<RuleReplaceOutcome>;
  /** False (and nothing recorded) when the tenant has no such rule. */
  delete(tenant: TenantId, ruleId: string, record?: RuleChangeRecord): Promise<boolean>;
  /** How many rules the tenant holds, counted up to `atMost` (enough to tell whether a cap is reached). */
  count(tenant: TenantId, atMost: number): Promise<number>;
  /** The hot path of the engine: active rules of one tenant for one trigger. */
  findActiveByTrigger(tenant: TenantId, triggerId: string): Promise<Rule[]>;
}

/** One consumed event and what the engine decided for it, to be recorded together. */
export interface ProcessedEvent {
  tenant: TenantId;
  record: EventRecord;
  /** Executions of the rules that matched (and loop-guarded evaluations); the others live on the record. */
  executions: readonly Execution[];
}

export interface RecordedEvent {
  /** False when an earlier delivery recorded the event: `record` and `executions` are then the stored ones. */
  created: boolean;
  record: EventRecord;
  /** All of the event's executions, with the action results recorded so far. */
  executions: Execution[];
}

/** The event log: one record per consumed event, with every evaluated rule's outcome on it. */
export interface EventStore {
  /**
   * Records each event with its executions, unless the event is recorded already (a
   * redelivery): then what the first delivery stored is returned, all of its executions
   * included, so that the commands decided then can be published again. Results come in the
   * order given. One transaction for the whole batch where the store has them (SQLite), one
   * bulk write per collection otherwise (MongoDB); executions are written before their event,
   * so a stored event always has its executions.
   */
  recordProcessed(batch: readonly ProcessedEvent[]): Promise<RecordedEvent[]>;
  get(tenant: TenantId, eventId: string): Promise<EventRecord | null>;
  /** Newest first by received time; throws InvalidCursorError for a cursor it did not make. */
  list(tenant: TenantId, filter: EventFilter): Promise<Page<EventRecord>>;
}

export type RuleReplaceOutcome = 'replaced' | 'not_found' | 'version_conflict';

/** Rule history and the audit log, append-only; rule changes write theirs through the RuleStore. */
export interface AuditStore {
  /** Newest version first, a page of at most `limit` after `cursor`; throws InvalidCursorError for a cursor it did not make. */
  ruleVersions(tenant: TenantId, ruleId: string, page: ListOptions): Promise<Page<RuleVersion>>;
  ruleVersion(tenant: TenantId, ruleId: string, version: number): Promise<RuleVersion | null>;
  /** An entry for a change that is not a rule's (settings). */
  append(tenant: TenantId, entry: AuditEntry): Promise<void>;
  /** Newest first, a page of at most `limit` after `cursor`; throws InvalidCursorError for a cursor it did not make. */
  list(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<AuditEntry>>;
}

export interface ExecutionStore extends Prunable {
  /**
   * Stores the outcome of one action by its command id, replacing an earlier outcome of the
   * same command: one small write, never a read-modify-write of the execution.
   */
  recordActionResult(tenant: TenantId, result: ActionResultRecord): Promise<void>;
  /** recordActionResult for several commands, of any tenants: one transaction (SQLite) or one bulk write (MongoDB). */
  recordActionResults(batch: ReadonlyArray<{ tenant: TenantId; result: ActionResultRecord }>): Promise<void>;
  /** With the action results merged in and the overall status set. */
  get(tenant: TenantId, executionId: string): Promise<Execution | null>;
  /** Every execution of one event (no limit), results merged in, newest first. */
  forEvent(tenant: TenantId, eventId: string): Promise<Execution[]>;
  /** Newest first, results merged in; throws InvalidCursorError for a cursor it did not make. */
  list(tenant: TenantId, filter: ExecutionFilter): Promise<Page<Execution>>;
}

/**
 * The result of the action whose effect is being written, recorded with it: in the same transaction on SQLite, right
 * after it on MongoDB. Recorded whether the effect was new or already there (a redelivered command), as
 * ExecutionStore.recordActionResult would.
 */
export type ResultWithEffect = ActionResultRecord | undefined;

export interface NotificationStore extends Prunable {
  /** False when a notification with this id exists already (a redelivered command). */
  insertIfAbsent(tenant: TenantId, notification: Notification, result?: ResultWithEffect): Promise<boolean>;
  get(tenant: TenantId, notificationId: string): Promise<Notification | null>;
  setEmailStatus(tenant: TenantId, notificationId: string, status: Notification['email_status'], error?: string): Promise<void>;
  /** Newest first, a page of at most `limit` after `cursor`; throws InvalidCursorError for a cursor it did not make. */
  list(tenant: TenantId, page: ListOptions): Promise<Page<Notification>>;
}

export interface TaskStore extends Prunable {
  /** False when a task with this id exists already (a redelivered command). */
  insertIfAbsent(tenant: TenantId, task: Task, result?: ResultWithEffect): Promise<boolean>;
  /** Newest first, a page of at most `limit` after `cursor`; throws InvalidCursorError for a cursor it did not make. */
  list(tenant: TenantId, page: ListOptions): Promise<Page<Task>>;
}

/** Why an entity update was not written; `updated` when it was. */
export type EntityUpdateOutcome = 'updated' | 'not_found' | 'version_conflict' | 'duplicate';

/**
 * CRM and Sales entities, written together with the events the change raises: the entity
 * and its outbox rows commit in one transaction or not at all, so an event is never lost
 * between a write and its publication, and never published for a write that did not commit.
 */
export interface EntityStore {
  get<T extends EntityType>(tenant: TenantId, type: T, id: string): Promise<EntityOf<T> | null>;
  /** Newest first, a page of at most `limit` after `cursor`; throws InvalidCursorError for a cursor it did not make. */
  list<T extends EntityType>(tenant: TenantId, type: T, page: { limit: number; cursor?: string | undefined }): Promise<EntityPage<EntityOf<T>>>;
  /** Stores a new entity and queues `events`; rejects when the tenant has one with this id. */
  insert(tenant: TenantId, entity: Entity, events: readonly EventEnvelope[]): Promise<void>;
  /**
   * Replaces the entity when the stored one has `expectedVersion`, queueing `events` in the
   * same transaction. `duplicate` (and nothing written) when one of the events is queued
   * already: the change was made before, by an earlier delivery of the same command.
   */
  update(tenant: TenantId, entity: Entity, expectedVersion: number, events: readonly EventEnvelope[]): Promise<EntityUpdateOutcome>;
}

/**
 * Events waiting for publication. System-wide: one relay serves every tenant. `pruneBefore`
 * removes only rows the broker confirmed before the cut-off; an unsent row is never pruned.
 */
export interface OutboxStore extends Prunable {
  /**
   * Leases up to `limit` unsent events, oldest first, to `owner` for `leaseMs`. An event
   * leased to another owner is skipped until its lease runs out, so several relays can run.
   * The owner's own unsent rows come back too: after a failed publish it retries at once
   * rather than waiting out its own lease.
   */
  claim(owner: string, leaseMs: number, limit: number): Promise<EventEnvelope[]>;
  /** Records that the broker confirmed the event; it is never claimed again. */
  markSent(tenant: TenantId, eventId: string): Promise<void>;
  /** The tenant's unsent events, oldest first (operations and tests). */
  unsent(tenant: TenantId): Promise<EventEnvelope[]>;
}

export interface SettingsStore {
  /** The tenant's settings, or the defaults when it never set any. */
  get(tenant: TenantId): Promise<AutomationSettings>;
  put(tenant: TenantId, settings: AutomationSettings): Promise<void>;
}

/** What a cancel found: done, nothing pending under that id, or being published right now. */
export type CancelOutcome = 'cancelled' | 'not_pending' | 'running';

/**
 * Action commands waiting for their time. Due ones are claimed system-wide with a lease, as the
 * outbox is, so several schedulers can share one store and a dead one's claims run out.
 */
export interface ScheduleStore {
  /** Records each unless one with its id exists already (a redelivered event). */
  scheduleIfAbsent(tenant: TenantId, items: readonly ScheduledAction[]): Promise<void>;
  /** Puts a command (back) in the schedule as pending at `item.run_at`, e.g. after a receiver's Retry-After. */
  reschedule(tenant: TenantId, item: ScheduledAction): Promise<void>;
  /** Leases up to `limit` pending items due by `now`, soonest first; another owner's live lease is skipped. */
  claimDue(owner: string, leaseMs: number, limit: number, now?: number): Promise<ScheduledAction[]>;
  /**
   * Ends a pending item as published or cancelled; false when it is not pending any more. With
   * `owner`, only while that owner still holds the lease: an item put back in the schedule
   * meanwhile (a receiver's Retry-After) is a new wait, which a late settle must not end.
   */
  settle(tenant: TenantId, id: string, state: 'published' | 'cancelled', reason?: string, owner?: string): Promise<boolean>;
  /** Cancels a pending item unless a scheduler holds a live lease on it (it is being published). */
  cancel(tenant: TenantId, id: string, reason: string): Promise<CancelOutcome>;
  get(tenant: TenantId, id: string): Promise<ScheduledAction | null>;
  /** The tenant's pending items, soonest first; throws InvalidCursorError for a cursor it did not make. */
  listPending(tenant: TenantId, page: { limit: number; cursor?: string | undefined }): Promise<ScheduledPage>;
}

/** Webhook signing secrets and the outcome of each webhook command. */
export interface WebhookStore {
  secrets(tenant: TenantId): Promise<WebhookSecrets | null>;
  putSecrets(tenant: TenantId, secrets: WebhookSecrets): Promise<void>;
  delivery(tenant: TenantId, commandId: string): Promise<WebhookDelivery | null>;
  putDelivery(tenant: TenantId, delivery: WebhookDelivery): Promise<void>;
}

export interface Stores {
  readonly kind: 'sqlite' | 'mongodb';
  readonly rules: RuleStore;
  readonly events: EventStore;
  readonly executions: ExecutionStore;
  readonly notifications: NotificationStore;
  readonly tasks: TaskStore;
  readonly entities: EntityStore;
  readonly outbox: OutboxStore;
  readonly settings: SettingsStore;
  readonly audit: AuditStore;
  readonly schedule: ScheduleStore;
  readonly webhooks: WebhookStore;
  /** Resolves when the backing database answers; used by readiness probes. */
  ping(): Promise<void>;
  /**
   * Gives the space of pruned rows back after a prune: SQLite returns free pages to the file
   * system (incremental vacuum); MongoDB reuses its space by itself.
   */
  compact(): Promise<void>;
  close(): Promise<void>;
}
