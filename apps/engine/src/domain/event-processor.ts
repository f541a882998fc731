import {
  ActionCommandSchema,
  EVENT_RECORD_MAX_DATA_BYTES,
  EventEnvelopeSchema,
  actionCommandId,
  executionId,
  type ActionCommand,
  type ActionOutcome,
  type EventAdmission,
  type EventEnvelope,
  type EventRecord,
  type EventStatus,
  type Execution,
  type Rule,
  type RuleOutcome,
  type ScheduledAction,
} from '@flowline/contracts';
import { PermanentMessageError, decodeMessage, deferralOf, publishPayload, type IncomingMessage, type MessageBus } from '@flowline/messaging';
import { continueTrace, summariseProblems, formatTraceparent, metrics, OTHER_TENANT, traceFields, TRACEPARENT, type Logger, type TraceContext } from '@flowline/observability';
import { actionTiming, boundExecution, checkEventData, defaultWebhookBody, prepareAction, type Catalogue } from '@flowline/rules';
import type { ProcessedEvent, RecordedEvent, Stores } from '@flowline/storage';
import { FanoutBudget, type BudgetRefusal } from './fanout-budget.ts';
import { UncachedRuleSource, type CompiledRule, type RuleSource } from './rule-cache.ts';

export interface EventProcessorDeps {
  stores: Stores;
  bus: MessageBus;
  catalogue: Catalogue;
  logger: Logger;
  /**
   * Events more action hops deep than this run no rule: each active rule gets a `loop_guard` execution instead.
   * @defaultValue 5
   */
  loopGuardMaxDepth?: number;
  /** @defaultValue the store itself, read and compiled for every event */
  rules?: RuleSource;
  /** Bounds how wide one causal chain and one tenant's actions may grow. @defaultValue no budget */
  fanoutBudget?: FanoutBudget;
  /**
   * Longest a `delay` / `run_at` may put an action ahead.
   * @defaultValue 366 days
   */
  maxScheduleAheadMs?: number;
}

/** One delivered event, decoded, and what the engine decided for it. */
interface Decided {
  message: IncomingMessage;
  event: EventEnvelope;
  trace: TraceContext;
  labels: { module: string; trigger: string; tenant: string };
  processed: ProcessedEvent;
  /** Commands of this delivery's fresh executions, validated when they were built, by the action they came from. */
  commands: Map<ActionOutcome, ActionCommand>;
  /** What this decision took from the fan-out budget, given back if it does not take effect. */
  charged: { events: number; actions: number };
}

/**
 * Processes event messages, a batch at a time: for each event the tenant's active rules for its
 * trigger are evaluated, and one event record (with every rule's outcome) plus one execution
 * per matched rule are recorded, for the whole batch in one store call. Then one action command
 * per action of a matching rule is published. Each message's promise resolves only once its own
 * commands are confirmed, so the caller may then ack it; if anything fails before that, the event
 * is redelivered, finds its record, and publishes the commands the first delivery decided.
 */
export class EventProcessor {
  readonly #deps: EventProcessorDeps;
  readonly #rules: RuleSource;

  constructor(deps: EventProcessorDeps) {
    this.#deps = deps;
    this.#rules = deps.rules ?? new UncachedRuleSource(deps.stores.rules);
  }

  process(message: IncomingMessage): Promise<void> {
    return this.processBatch([message])[0]!;
  }

  /**
   * One promise per message, in order. A message that cannot be decoded fails alone; a store
   * failure fails the batch (nothing of it was written); a publish failure fails only the
   * message whose command it was.
   */
  processBatch(messages: readonly IncomingMessage[]): Promise<void>[] {
    // One timer per message, all started now: a message's time includes waiting for its batch.
    const timers = messages.map(() => metrics().processingSeconds.startTimer({ stage: 'engine' }));
    const decoded = messages.map((message) => this.#decodeOne(message));
    const recorded = this.#decideAndRecord(decoded);
    // Each valid message's promise reports a failure; this keeps a batch of only invalid ones quiet.
    recorded.catch(() => {});
    const done = decoded.map(async (one) => {
      if (one instanceof Error) throw one;
      const { decided, stored } = (await recorded).get(one)!;
      await this.#publishDecided(decided, stored);
    });
    for (const [index, promise] of done.entries()) {
      const one = decoded[index]!;
      const labels = one instanceof Error ? { module: 'unknown', trigger: 'unknown', tenant: OTHER_TENANT } : one.labels;
      const settle = (outcome: string) => {
        timers[index]!({ outcome });
        metrics().eventsConsumed.inc({ ...labels, outcome });
      };
      promise.then(
        () => settle('processed'),
        () => settle('error'),
      );
    }
    return done;
  }

  #decodeOne(message: IncomingMessage): Omit<Decided, 'processed' | 'commands' | 'charged'> | Error {
    try {
      const event = this.#decode(message);
      return {
        message,
        event,
        // Continues the trace the event carries (a new span for this hop), or starts one.
        trace: continueTrace(message.headers[TRACEPARENT]),
        labels: { module: event.module_type, trigger: event.type, tenant: metrics().tenant(event.tenant_id) },
      };
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  async #decideAndRecord(decoded: ReadonlyArray<Omit<Decided, 'processed' | 'commands' | 'charged'> | Error>): Promise<Map<object, { decided: Decided; stored: RecordedEvent }>> {
    const valid = decoded.filter((one): one is Omit<Decided, 'processed' | 'commands' | 'charged'> => !(one instanceof Error));
    const rules = await Promise.all(valid.map(({ event }) => this.#rules.rulesFor(event.tenant_id, event.type)));
    const now = new Date().toISOString();
    const decisions = valid.map((one, index) => this.#decide(one, rules[index]!, now));
    // One store call, and so one transaction, for the whole batch.
    const budget = this.#deps.fanoutBudget;
    let stored: RecordedEvent[];
    try {
      stored = decisions.length === 0 ? [] : await this.#deps.stores.events.recordProcessed(decisions.map((d) => d.processed));
    } catch (error) {
      for (const decided of decisions) budget?.refund(decided.event, decided.charged);
      throw error;
    }
    stored.forEach((one, index) => {
      if (!one.created) budget?.refund(decisions[index]!.event, decisions[index]!.charged);
    });
    return new Map(valid.map((one, index) => [one, { decided: decisions[index]!, stored: stored[index]! }]));
  }

  #decode(message: IncomingMessage): EventEnvelope {
    const event = decodeMessage(message, EventEnvelopeSchema);
    const trigger = this.#deps.catalogue.trigger(event.type);
    if (!trigger) throw new PermanentMessageError(`unknown trigger '${event.type}'`);
    if (trigger.module_type !== event.module_type) {
      throw new PermanentMessageError(`trigger '${event.type}' belongs to module '${trigger.module_type}', not '${event.module_type}'`);
    }
    const issues = checkEventData(this.#deps.catalogue, event.type, event.data);
    if (issues.length > 0) {
      throw new PermanentMessageError(`invalid event data: ${summariseProblems(issues.map((i) => `${i.path}: ${i.message}`))}`);
    }
    return event;
  }

  get #limit(): number {
    return this.#deps.loopGuardMaxDepth ?? 5;
  }

  #decide(one: Omit<Decided, 'processed' | 'commands' | 'charged'>, rules: readonly CompiledRule[], now: string): Decided {
    const { event, message, labels } = one;
    const guarded = event.causation_depth > this.#limit;
    const commands = new Map<ActionOutcome, ActionCommand>();
    const executions: Execution[] = [];
    const outcomes: RuleOutcome[] = [];
    if (guarded && rules.length > 0) {
      metrics().loopGuarded.inc({ ...labels, reason: 'causation_depth' }, rules.length);
      this.#logger(one).warn({ causation_depth: event.causation_depth, causation_id: event.causation_id, limit: this.#limit }, 'loop guard stopped an event');
    }
    const budget = this.#deps.fanoutBudget;
    const overBudget = guarded || rules.length === 0 ? undefined : budget?.admitEvent(event);
    if (overBudget) this.#budgetExceeded(one, overBudget, rules.length);
    const charged = { events: budget && !guarded && rules.length > 0 && !overBudget ? 1 : 0, actions: 0 };
    // Event data first, so that a field called tenant_id in the data cannot stand in for the real one.
    const context = guarded || overBudget ? {} : { ...event.data, tenant_id: event.tenant_id, event_id: event.id, trigger_id: event.type };
    for (const compiled of rules) {
      const { rule } = compiled;
      if (guarded || overBudget) {
        const stopped = this.#loopGuarded(event, rule, now);
        executions.push(overBudget ? FanoutBudget.overBudget(stopped, overBudget) : stopped);
        outcomes.push({ rule_id: rule.id, rule_name: rule.name, outcome: overBudget ? 'budget_exceeded' : 'loop_guard' });
        continue;
      }
      // Most rules do not match: their outcome keeps the first failure, and nothing more is evaluated for them.
      const failed = compiled.conditions.firstFailure(event.data);
      if (failed !== undefined) {
        outcomes.push({ rule_id: rule.id, rule_name: rule.name, outcome: 'not_matched', failed_condition: failed });
        continue;
      }
      const evaluation = compiled.conditions(event.data);
      outcomes.push({ rule_id: rule.id, rule_name: rule.name, outcome: 'matched' });
      const notes: string[] = [];
      const execution = this.#executionOf(event, rule, now);
      const actions = rule.actions.map((action, index) => this.#prepareAction(event, compiled, execution.id, context, action, index, now, notes, commands));
      executions.push({
        ...execution,
        outcome: 'matched',
        matched: true,
        conditions: evaluation.outcomes,
        actions,
        notes,
        deliveries: message.deliveryCount,
      });
    }
    let admitted = executions;
    if (!guarded && !overBudget && rules.length > 0) {
      // Once per event, not per rule: a labelled counter costs a label lookup per call.
      metrics().rulesEvaluated.inc(labels, rules.length);
      if (executions.length > 0) metrics().rulesMatched.inc(labels, executions.length);
      if (budget && executions.length > 0) {
        const granted = budget.admitActions(event, executions, now);
        admitted = granted.executions;
        charged.actions = granted.granted;
        if (granted.refusal) {
          this.#budgetExceeded(one, granted.refusal, granted.refused);
          const cut = new Set(admitted.filter((e) => e.outcome === 'budget_exceeded').map((e) => e.rule_id));
          for (const outcome of outcomes) if (cut.has(outcome.rule_id)) outcome.outcome = 'budget_exceeded';
        }
      }
    }
    const status: EventStatus =
      rules.length === 0 ? 'no_rules' : guarded ? 'loop_guarded' : overBudget ? 'budget_exceeded' : admitted.some((e) => e.outcome === 'matched') ? 'matched' : admitted.length > 0 ? 'budget_exceeded' : 'not_matched';
    const record: EventRecord = {
      id: event.id,
      tenant_id: event.tenant_id,
      type: event.type,
      module_type: event.module_type,
      source: event.source,
      time: event.time,
      received_at: now,
      correlation_id: event.correlation_id,
      causation_id: event.causation_id,
      causation_depth: event.causation_depth,
      ...boundedData(event.data, message.content.length),
      status,
      rules: outcomes,
      deliveries: message.deliveryCount,
      ...admissionOf(message, now),
    };
    // Bounded in size (issue 12); one within bounds is the same object, so its commands stay recognisable.
    return { ...one, processed: { tenant: event.tenant_id, record, executions: admitted.map((execution) => boundExecution(execution)) }, commands, charged };
  }

  #budgetExceeded(one: { event: EventEnvelope; trace: TraceContext; labels: Record<string, string> }, refusal: BudgetRefusal, stopped: number): void {
    metrics().loopGuarded.inc({ ...one.labels, reason: `budget_${refusal.budget}` }, stopped);
    this.#logger(one).warn({ budget: refusal.budget, stopped }, 'a fan-out budget stopped work');
  }

  /** Rules that trigger each other would otherwise loop forever; the chain stops here, visibly. */
  #loopGuarded(event: EventEnvelope, rule: Rule, now: string): Execution {
    return {
      ...this.#executionOf(event, rule, now),
      outcome: 'loop_guard',
      matched: false,
      conditions: [],
      actions: [],
      notes: [`loop guard: causation depth ${event.causation_depth} exceeds the limit of ${this.#limit}; no actions were run (caused by event ${event.causation_id ?? 'unknown'})`],
    };
  }

  #executionOf(event: EventEnvelope, rule: Rule, now: string) {
    return {
      id: executionId(event.id, rule.id),
      tenant_id: event.tenant_id,
      event_id: event.id,
      rule_id: rule.id,
      rule_name: rule.name,
      rule_version: rule.version,
      trigger_id: event.type,
      correlation_id: event.correlation_id,
      created_at: now,
      updated_at: now,
    };
  }

  async #publishDecided(decided: Decided, stored: RecordedEvent): Promise<void> {
    const { event, message } = decided;
    if (!stored.created) {
      this.#logger(decided).info({ executions: stored.executions.length }, 'event already recorded by an earlier delivery; re-publishing its pending actions');
    }
    // From the stored executions, not the fresh ones: on a redelivery the rules may have been
    // edited or switched off since, and the commands must be the ones first decided.
    const publishes: Promise<void>[] = [];
    for (const execution of stored.executions) {
      // Scheduled ones are recorded (again, on a redelivery: a no-op) for the executors' schedulers.
      publishes.push(this.#schedule(event, execution));
      for (const action of execution.actions) {
        if (action.status !== 'pending') continue;
        // Keyed by the very object built now: a stored action read back is never mistaken for it.
        const command = decided.commands.get(action) ?? this.#storedCommand(event, execution, action);
        publishes.push(this.#publishCommand(event, command, decided.trace));
      }
    }
    await Promise.all(publishes);
    const log = this.#deps.logger;
    if (log.isLevelEnabled('info')) {
      const { record } = stored;
      log.info(
        { tenant_id: event.tenant_id, event_id: event.id, correlation_id: event.correlation_id, trigger_id: event.type, rules: record.rules.length, matched: record.rules.filter((r) => r.outcome === 'matched').length, status: record.status, delivery: message.deliveryCount, ...traceFields(decided.trace) },
        'event processed',
      );
    }
  }

  async #schedule(event: EventEnvelope, execution: Execution): Promise<void> {
    const scheduled = execution.actions.filter((a) => a.status === 'scheduled' && a.run_at !== undefined);
    if (scheduled.length === 0) return;
    const rule = await this.#deps.stores.rules.get(event.tenant_id, execution.rule_id);
    const now = new Date().toISOString();
    const items: ScheduledAction[] = scheduled.map((action) => ({
      id: action.command_id,
      tenant_id: event.tenant_id,
      rule_id: execution.rule_id,
      execution_id: execution.id,
      action_index: action.index,
      type: action.type,
      run_at: action.run_at!,
      state: 'pending',
      run_if_rule_inactive: rule?.actions[action.index]?.run_if_rule_inactive ?? false,
      event_time: new Date(event.time).toISOString(),
      command: this.#storedCommand(event, execution, action),
      created_at: now,
      updated_at: now,
    }));
    await this.#deps.stores.schedule.scheduleIfAbsent(event.tenant_id, items);
  }

  /** Created only when something is logged: most events log nothing at the default level. */
  #logger({ event, trace }: { event: EventEnvelope; trace: TraceContext }): Logger {
    return this.#deps.logger.child({ tenant_id: event.tenant_id, event_id: event.id, correlation_id: event.correlation_id, trigger_id: event.type, ...traceFields(trace) });
  }

  #prepareAction(
    event: EventEnvelope,
    compiled: CompiledRule,
    execId: string,
    context: Record<string, unknown>,
    action: Rule['actions'][number],
    index: number,
    now: string,
    notes: string[],
    commands: Map<ActionOutcome, ActionCommand>,
  ): ActionOutcome {
    const { rule } = compiled;
    const prepared = prepareAction(action, compiled.actions[index]!, context);
    const parameters = action.type === 'call_webhook' && !('body' in prepared.parameters) ? { ...prepared.parameters, body: defaultWebhookBody(event, rule, event.tenant_id) } : prepared.parameters;
    const timing = actionTiming(action, context, new Date(now), this.#deps.maxScheduleAheadMs ?? 366 * 86_400_000);
    const outcome: ActionOutcome = {
      index,
      command_id: actionCommandId(event.id, rule.id, index),
      type: action.type,
      status: timing.at === 'later' ? 'scheduled' : 'pending',
      parameters,
      ...(timing.at === 'later' ? { run_at: timing.run_at } : {}),
      ...(prepared.missing_placeholders.length > 0 ? { missing_placeholders: prepared.missing_placeholders } : {}),
    };
    // A missing placeholder or a parameter rendered invalid fails the action here, with its
    // reason on the execution, rather than run half-rendered or dead-letter at the executor.
    if (prepared.error !== undefined) {
      notes.push(`actions.${index}: ${prepared.error}`);
      return { ...outcome, status: 'failed', error: prepared.error, completed_at: now };
    }
    if (timing.at === 'invalid') return { ...outcome, status: 'failed', error: timing.error, completed_at: now };
    // The command as it will be published, checked once here: one that fails the contract fails the action now.
    const check = ActionCommandSchema.safeParse(this.#command(event, execId, rule.id, outcome, now));
    if (!check.success) {
      const problems = check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return { ...outcome, status: 'failed', error: `rendered parameters are invalid: ${problems}`, completed_at: now };
    }
    commands.set(outcome, check.data);
    return outcome;
  }

  #command(event: EventEnvelope, execId: string, ruleId: string, action: ActionOutcome, issuedAt: string): unknown {
    return {
      id: action.command_id,
      tenant_id: event.tenant_id,
      rule_id: ruleId,
      event_id: event.id,
      execution_id: execId,
      action_index: action.index,
      correlation_id: event.correlation_id,
      causation_depth: event.causation_depth,
      issued_at: issuedAt,
      type: action.type,
      parameters: action.parameters,
    };
  }

  /**
   * The command of an action an earlier delivery recorded. One that no longer passes the
   * contract (stored by an older version, say) will not pass on any later delivery either.
   */
  #storedCommand(event: EventEnvelope, execution: Execution, action: ActionOutcome): ActionCommand {
    const check = ActionCommandSchema.safeParse(this.#command(event, execution.id, execution.rule_id, action, new Date().toISOString()));
    if (!check.success) throw new PermanentMessageError(`stored action command ${action.command_id} is invalid: ${check.error.issues.map((i) => i.message).join('; ')}`);
    return check.data;
  }

  #publishCommand(event: EventEnvelope, command: ActionCommand, trace: TraceContext): Promise<void> {
    return publishPayload(this.#deps.bus, 'action-command', command, { traceparent: formatTraceparent(trace), eventTime: event.time });
  }

}

/**
 * The event's data as the record keeps it: whole when it is small, which the size of the
 * message it came in already shows for nearly every event, and `{}` with a note otherwise.
 */
function boundedData(data: Record<string, unknown>, messageBytes: number): Pick<EventRecord, 'data' | 'data_note'> {
  if (messageBytes <= EVENT_RECORD_MAX_DATA_BYTES) return { data };
  const bytes = Buffer.byteLength(JSON.stringify(data));
  if (bytes <= EVENT_RECORD_MAX_DATA_BYTES) return { data };
  return { data: {}, data_note: `event data of ${bytes} bytes is over the ${EVENT_RECORD_MAX_DATA_BYTES}-byte limit of the event log and was not kept` };
}

/** The record's `admission` when the event came through the deferred lane. */
function admissionOf(message: IncomingMessage, now: string): { admission: EventAdmission } | Record<string, never> {
  const admission = deferralOf(message.headers, Date.parse(now));
  return admission === undefined ? {} : { admission };
}
