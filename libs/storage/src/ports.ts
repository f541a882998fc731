import type {
  ActionResult,
  Execution,
  ExecutionFilter,
  ListOptions,
  Notification,
  Rule,
  RuleFilter,
  Task,
  TenantId,
} from '@flowline/contracts';

/*
 * Store ports. Every method takes the tenant first: there is no way to read or write
 * without naming whose data it is, and adapters put it in every query they run.
 * Documents passed in carry a `tenant_id` too; adapters reject one that differs.
 */

export interface RuleStore {
  insert(tenant: TenantId, rule: Rule): Promise<void>;
  get(tenant: TenantId, ruleId: string): Promise<Rule | null>;
  /** Newest first. */
  list(tenant: TenantId, filter: RuleFilter): Promise<Rule[]>;
  /** Replaces the stored rule with the same id; false when the tenant has no such rule. */
  replace(tenant: TenantId, rule: Rule): Promise<boolean>;
  /** False when the tenant has no such rule. */
  delete(tenant: TenantId, ruleId: string): Promise<boolean>;
  /** The hot path of the engine: active rules of one tenant for one trigger. */
  findActiveByTrigger(tenant: TenantId, triggerId: string): Promise<Rule[]>;
}

export interface ExecutionStore {
  /**
   * Stores the execution unless one with its id exists already (a redelivered event), and
   * returns whichever is stored, so that action outcomes already recorded are never reset.
   */
  recordEvaluation(tenant: TenantId, execution: Execution): Promise<{ created: boolean; execution: Execution }>;
  /**
   * recordEvaluation for each of one event's executions, results in the same order; in one
   * transaction where the store has them, since the engine records one execution per rule.
   */
  recordEvaluations(tenant: TenantId, executions: readonly Execution[]): Promise<{ created: boolean; execution: Execution }[]>;
  /** Sets the outcome of one action; false when the tenant has no such execution or action. */
  recordActionResult(tenant: TenantId, executionId: string, actionIndex: number, result: ActionResult): Promise<boolean>;
  get(tenant: TenantId, executionId: string): Promise<Execution | null>;
  /** Newest first, at most `filter.limit`. */
  list(tenant: TenantId, filter: ExecutionFilter): Promise<Execution[]>;
}

export interface NotificationStore {
  /** False when a notification with this id exists already (a redelivered command). */
  insertIfAbsent(tenant: TenantId, notification: Notification): Promise<boolean>;
  get(tenant: TenantId, notificationId: string): Promise<Notification | null>;
  setEmailStatus(tenant: TenantId, notificationId: string, status: Notification['email_status'], error?: string): Promise<void>;
  /** Newest first. */
  list(tenant: TenantId, options: ListOptions): Promise<Notification[]>;
}

export interface TaskStore {
  /** False when a task with this id exists already (a redelivered command). */
  insertIfAbsent(tenant: TenantId, task: Task): Promise<boolean>;
  /** Newest first. */
  list(tenant: TenantId, options: ListOptions): Promise<Task[]>;
}

export interface Stores {
  readonly kind: 'sqlite' | 'mongodb';
  readonly rules: RuleStore;
  readonly executions: ExecutionStore;
  readonly notifications: NotificationStore;
  readonly tasks: TaskStore;
  /** Resolves when the backing database answers; used by readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
