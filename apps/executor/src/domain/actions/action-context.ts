import type { ActionCommand, ActionResult, ActionResultRecord } from '@flowline/contracts';
import { boundText, type Logger } from '@flowline/observability';
import type { Stores } from '@flowline/storage';
import type { Mailer } from '../mailer.ts';
import type { WebhookOptions } from '../webhook/call-webhook.ts';

export interface ActionContext {
  stores: Stores;
  mailer?: Mailer;
  logger: Logger;
  /** Called after an action committed an entity change (its events are then in the outbox). */
  afterEntityCommit?: () => void;
  /** The command's trace (this hop's span), for the events an action raises through the outbox. */
  traceparent?: string;
  /** Where webhooks may go and how they are delivered; without it call_webhook fails. */
  webhook?: WebhookOptions;
  /** This delivery of the command: its number (1 = first), the bus's limit, and when the event happened. */
  delivery?: { count: number; maxAttempts: number; eventTime?: string | undefined };
  /**
   * The record of this delivery's result, for a handler whose effect is one store write and whose result is known
   * before it: the store writes both in one commit (ResultWithEffect), and the handler returns {@link RecordedResult}.
   */
  resultRecord?: (result: ActionResult) => ActionResultRecord;
}

/** A result the handler recorded with its effect: the processor records nothing more for it. */
export class RecordedResult {
  readonly result: ActionResult;

  constructor(result: ActionResult) {
    this.result = result;
  }
}

/**
 * Runs one kind of action; returns its outcome (R: also {@link RecordedResult} for a handler that can record it
 * with its effect), or throws for a transient failure worth a retry.
 */
export type ActionHandler<C extends ActionCommand, R extends ActionResult | RecordedResult = ActionResult> = (command: C, context: ActionContext) => Promise<R>;

export type CommandOf<T extends ActionCommand['type']> = Extract<ActionCommand, { type: T }>;

export const succeeded = (): ActionResult => ({ status: 'succeeded', completed_at: new Date().toISOString() });
/** A failed outcome; its error (often a remote server's text) is cut to 1 KiB for the record. */
export const failed = (error: string): ActionResult => ({ status: 'failed', error: boundText(error), completed_at: new Date().toISOString() });
export const cancelled = (reason: string): ActionResult => ({ status: 'cancelled', error: reason, completed_at: new Date().toISOString() });

/** Where a result came from: every row an action writes carries it. */
export function provenance(command: ActionCommand) {
  return {
    tenant_id: command.tenant_id,
    rule_id: command.rule_id,
    event_id: command.event_id,
    execution_id: command.execution_id,
    created_at: command.issued_at,
  };
}
