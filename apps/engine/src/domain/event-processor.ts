import {
  ActionCommandSchema,
  EventEnvelopeSchema,
  actionCommandId,
  executionId,
  type ActionCommand,
  type ActionOutcome,
  type EventEnvelope,
  type Execution,
  type Rule,
  type ScheduledAction,
} from '@flowline/contracts';
import { PermanentMessageError, actionRoutingKey, decodeMessage, HEADERS, type IncomingMessage, type MessageBus } from '@flowline/messaging';
import { continueTrace, summariseProblems, formatTraceparent, metrics, OTHER_TENANT, traceFields, TRACEPARENT, type Logger, type TraceContext } from '@flowline/observability';
import { actionTiming, boundExecution, checkEventData, defaultWebhookBody, prepareAction, type Catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
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

/**
 * Processes one event message: the tenant's active rules for its trigger are evaluated,
 * an execution is recorded per rule, and one action command per action of a matching rule
 * is published. It returns only once every command is confirmed by the broker, so the
 * caller may then ack the event; if anything fails before that, the event is redelivered
 * and the deterministic execution and command ids keep the second pass from doubling work.
 */
export class EventProcessor {
  readonly #deps: EventProcessorDeps;
  readonly #rules: RuleSource;

  constructor(deps: EventProcessorDeps) {
    this.#deps = deps;
    this.#rules = deps.rules ?? new UncachedRuleSource(deps.stores.rules);
  }

  async process(message: IncomingMessage): Promise<void> {
    // Continues the trace the event carries (a new span for this hop), or starts one.
    const trace = continueTrace(message.headers[TRACEPARENT]);
    const labels = { module: 'unknown', trigger: 'unknown', tenant: OTHER_TENANT };
    const stopTimer = metrics().processingSeconds.startTimer({ stage: 'engine' });
    let outcome = 'error';
    try {
      await this.#process(message, trace, labels);
      outcome = 'processed';
    } finally {
      stopTimer({ outcome });
      metrics().eventsConsumed.inc({ ...labels, outcome });
    }
  }

  async #process(message: IncomingMessage, trace: TraceContext, labels: { module: string; trigger: string; tenant: string }): Promise<void> {
    const event = this.#decode(message);
    Object.assign(labels, { module: event.module_type, trigger: event.type, tenant: metrics().tenant(event.tenant_id) });
    const log = this.#deps.logger.child({
      tenant_id: event.tenant_id,
      event_id: event.id,
      correlation_id: event.correlation_id,
      trigger_id: event.type,
      ...traceFields(trace),
    });
    const rules = await this.#rules.rulesFor(event.tenant_id, event.type);
    const now = new Date().toISOString();
    const guarded = event.causation_depth > this.#limit;
    // Event data first, so that a field called tenant_id in the data cannot stand in for the real one.
    const context = { ...event.data, tenant_id: event.tenant_id, event_id: event.id, trigger_id: event.type };
    if (guarded && rules.length > 0) {
      metrics().loopGuarded.inc({ ...labels, reason: 'causation_depth' }, rules.length);
      log.warn({ causation_depth: event.causation_depth, causation_id: event.causation_id, limit: this.#limit }, 'loop guard stopped an event');
    }
    const budget = this.#deps.fanoutBudget;
    const overBudget = guarded || rules.length === 0 ? undefined : budget?.admitEvent(event);
    let evaluations = rules.map((rule) =>
      guarded ? this.#loopGuarded(event, rule.rule, now)
      : overBudget ? FanoutBudget.overBudget(this.#loopGuarded(event, rule.rule, now), overBudget)
      : this.#evaluate(event, rule, context, now, message.deliveryCount, labels),
    );
    if (overBudget) this.#budgetExceeded(overBudget, rules.length, labels, log);
    if (budget && !guarded && !overBudget) {
      const admitted = budget.admitActions(event, evaluations, now);
      evaluations = admitted.executions;
      if (admitted.refusal) this.#budgetExceeded(admitted.refusal, admitted.refused, labels, log);
    }
    // One store call for all of the event's executions: one transaction, not one per rule.
    const recorded = await this.#deps.stores.executions.recordEvaluations(event.tenant_id, evaluations.map((execution) => boundExecution(execution)));
    const executions = new Map(recorded.map((r) => [r.execution.id, r]));
    if (message.deliveryCount > 1) {
      // An earlier delivery may have recorded executions for rules since switched off or
      // deleted: their commands were decided then and still have to go out.
      for (const execution of await this.#deps.stores.executions.list(event.tenant_id, { event_id: event.id, limit: 500 })) {
        if (!executions.has(execution.id)) executions.set(execution.id, { execution, created: false });
      }
    }
    await Promise.all([...executions.values()].map(({ execution, created }) => this.#publishPending(event, execution, created, log, trace)));
    log.info(
      { rules: rules.length, matched: recorded.filter((r) => r.execution.matched).length, delivery: message.deliveryCount },
      'event processed',
    );
  }

  #budgetExceeded(refusal: BudgetRefusal, stopped: number, labels: Record<string, string>, log: Logger): void {
    metrics().loopGuarded.inc({ ...labels, reason: `budget_${refusal.budget}` }, stopped);
    log.warn({ budget: refusal.budget, stopped }, 'a fan-out budget stopped work');
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

  #evaluate(event: EventEnvelope, compiled: CompiledRule, context: Record<string, unknown>, now: string, deliveries: number, labels: Record<string, string>): Execution {
    const { rule } = compiled;
    const evaluation = compiled.conditions(event.data);
    metrics().rulesEvaluated.inc(labels);
    if (evaluation.matched) metrics().rulesMatched.inc(labels);
    const notes: string[] = [];
    const actions = evaluation.matched ? rule.actions.map((action, index) => this.#prepareAction(event, compiled, context, action, index, now, notes)) : [];
    return {
      ...this.#executionOf(event, rule, now),
      outcome: evaluation.matched ? 'matched' : 'not_matched',
      matched: evaluation.matched,
      conditions: evaluation.outcomes,
      actions,
      notes,
      deliveries,
    };
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

  async #publishPending(event: EventEnvelope, execution: Execution, created: boolean, log: Logger, trace: TraceContext): Promise<void> {
    if (!created) log.info({ rule_id: execution.rule_id }, 'execution already recorded by an earlier delivery; re-publishing its pending actions');
    // From the stored execution, not the fresh one: on a redelivery the rule may have been
    // edited since, and the commands must be the ones first recorded.
    const pending = execution.actions.filter((a) => a.status === 'pending');
    // Scheduled ones are recorded (again, on a redelivery: a no-op) for the executors' schedulers.
    await this.#schedule(event, execution);
    await Promise.all(pending.map((action) => this.#publishCommand(event, execution, action, trace)));
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
      command: ActionCommandSchema.parse(this.#command(event, execution.id, execution.rule_id, action, now)),
      created_at: now,
      updated_at: now,
    }));
    await this.#deps.stores.schedule.scheduleIfAbsent(event.tenant_id, items);
  }

  #prepareAction(
    event: EventEnvelope,
    compiled: CompiledRule,
    context: Record<string, unknown>,
    action: Rule['actions'][number],
    index: number,
    now: string,
    notes: string[],
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

  async #publishCommand(event: EventEnvelope, execution: Execution, action: ActionOutcome, trace: TraceContext): Promise<void> {
    const command = ActionCommandSchema.parse(this.#command(event, execution.id, execution.rule_id, action, new Date().toISOString())) satisfies ActionCommand;
    await this.#deps.bus.publish('action-command', {
      routingKey: actionRoutingKey(command.type),
      messageId: command.id,
      correlationId: command.correlation_id,
      headers: { [HEADERS.tenantId]: command.tenant_id, [TRACEPARENT]: formatTraceparent(trace), [HEADERS.eventTime]: event.time },
      body: command,
    });
  }
}
