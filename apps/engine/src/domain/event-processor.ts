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
} from '@flowline/contracts';
import { PermanentMessageError, actionRoutingKey, decodeMessage, HEADERS, type IncomingMessage, type MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { checkEventData, type Catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { UncachedRuleSource, type CompiledRule, type RuleSource } from './rule-cache.ts';

export interface EventProcessorDeps {
  stores: Stores;
  bus: MessageBus;
  catalogue: Catalogue;
  logger: Logger;
  /** @defaultValue the store itself, read and compiled for every event */
  rules?: RuleSource;
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
    const event = this.#decode(message);
    const log = this.#deps.logger.child({
      tenant_id: event.tenant_id,
      event_id: event.id,
      correlation_id: event.correlation_id,
      trigger_id: event.type,
    });
    const rules = await this.#rules.rulesFor(event.tenant_id, event.type);
    const now = new Date().toISOString();
    // One store call for all of the event's executions: one transaction, not one per rule.
    const recorded = await this.#deps.stores.executions.recordEvaluations(
      event.tenant_id,
      rules.map((rule) => this.#evaluate(event, rule, now)),
    );
    await Promise.all(recorded.map(({ execution, created }) => this.#publishPending(event, execution, created, log)));
    log.info(
      { rules: rules.length, matched: recorded.filter((r) => r.execution.matched).length, delivery: message.deliveryCount },
      'event processed',
    );
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
      throw new PermanentMessageError(`invalid event data: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    }
    return event;
  }

  #evaluate(event: EventEnvelope, compiled: CompiledRule, now: string): Execution {
    const { rule } = compiled;
    const evaluation = compiled.conditions(event.data);
    const notes: string[] = [];
    const actions = evaluation.matched ? rule.actions.map((action, index) => this.#prepareAction(event, compiled, action, index, now, notes)) : [];
    return {
      id: executionId(event.id, rule.id),
      tenant_id: event.tenant_id,
      event_id: event.id,
      rule_id: rule.id,
      rule_name: rule.name,
      trigger_id: event.type,
      correlation_id: event.correlation_id,
      outcome: evaluation.matched ? 'matched' : 'not_matched',
      matched: evaluation.matched,
      conditions: evaluation.outcomes,
      actions,
      notes,
      created_at: now,
      updated_at: now,
    };
  }

  async #publishPending(event: EventEnvelope, execution: Execution, created: boolean, log: Logger): Promise<void> {
    if (!created) log.info({ rule_id: execution.rule_id }, 'execution already recorded by an earlier delivery; re-publishing its pending actions');
    // From the stored execution, not the fresh one: on a redelivery the rule may have been
    // edited since, and the commands must be the ones first recorded.
    const pending = execution.actions.filter((a) => a.status === 'pending');
    await Promise.all(pending.map((action) => this.#publishCommand(event, execution, action)));
  }

  #prepareAction(event: EventEnvelope, compiled: CompiledRule, action: Rule['actions'][number], index: number, now: string, notes: string[]): ActionOutcome {
    const { rule } = compiled;
    // Event data first, so that a field called tenant_id in the data cannot stand in for the real one.
    const context = { ...event.data, tenant_id: event.tenant_id, event_id: event.id, trigger_id: event.type };
    const rendered = compiled.actions[index]!(context);
    for (const path of rendered.missing) {
      notes.push(`actions.${index}: template value '${path}' was missing and rendered as empty`);
    }
    const outcome: ActionOutcome = {
      index,
      command_id: actionCommandId(event.id, rule.id, index),
      type: action.type,
      status: 'pending',
      parameters: rendered.value,
    };
    // A template can render a required parameter empty; such an action fails here, with
    // its reason on the execution, rather than as a dead letter at the executor.
    const check = ActionCommandSchema.safeParse(this.#command(event, executionId(event.id, rule.id), rule.id, outcome, now));
    if (!check.success) {
      const problems = check.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      return { ...outcome, status: 'failed', error: `rendered parameters are invalid: ${problems}`, completed_at: now };
    }
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

  async #publishCommand(event: EventEnvelope, execution: Execution, action: ActionOutcome): Promise<void> {
    const command = ActionCommandSchema.parse(this.#command(event, execution.id, execution.rule_id, action, new Date().toISOString())) satisfies ActionCommand;
    await this.#deps.bus.publish('action-command', {
      routingKey: actionRoutingKey(command.type),
      messageId: command.id,
      correlationId: command.correlation_id,
      headers: { [HEADERS.tenantId]: command.tenant_id },
      body: command,
    });
  }
}
