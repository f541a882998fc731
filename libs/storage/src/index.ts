export type { AuditStore, Prunable, RuleChangeRecord, RuleReplaceOutcome, CancelOutcome, ScheduleStore, WebhookStore, EventStore, ProcessedEvent, RecordedEvent, EntityStore, EntityUpdateOutcome, OutboxStore, SettingsStore, ExecutionStore, NotificationStore, RuleStore, Stores, TaskStore } from './ports.ts';
export { openStores } from './open-stores.ts';
export { pruneExpired, RETAINED, type PruneOptions, type RetentionPolicy } from './retention.ts';
export { openSqliteStores } from './sqlite/sqlite-stores.ts';
export { openMongoStores } from './mongodb/mongo-stores.ts';
export { entityCursorAfter, InvalidCursorError } from './entity-cursor.ts';
export { scheduleCursorAfter } from './schedule-cursor.ts';
export { versionCursorAfter } from './version-cursor.ts';
