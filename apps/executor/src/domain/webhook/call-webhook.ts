import type { ActionResult, WebhookDelivery, WebhookResponse } from '@flowline/contracts';
import { failed, type ActionHandler, type CommandOf } from '../actions/action-context.ts';
import { DeferError } from '../actions/defer.ts';
import { httpCall, TransportError, type HttpAnswer } from './http-call.ts';
import { SIGNATURE_HEADER, signatureHeader } from './signature.ts';
import { checkWebhookUrl, guardedLookup, isAllowedHost, RefusedTargetError, type WebhookTargetPolicy } from './target-guard.ts';
import { TenantBusyError, type TenantLimiter } from './tenant-limiter.ts';

export interface WebhookOptions {
  policy: WebhookTargetPolicy;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  /** Retries stop this long after the first attempt. */
  retryWindowMs: number;
  maxRedirects: number;
  limiter: TenantLimiter;
  /** How long a call waits for one of its tenant's slots before it is put off. @defaultValue 250 */
  slotWaitMs?: number;
}

/** What the receiver answered, as the execution shows it. */
const responseOf = (answer: HttpAnswer): WebhookResponse => ({
  status: answer.status,
  duration_ms: answer.durationMs,
  ...(answer.bodyExcerpt === '' ? {} : { body_excerpt: answer.bodyExcerpt }),
});

/**
 * Calls the rendered URL, signed, with the command id as Idempotency-Key. The outcome is kept
 * per command id, so a redelivered command that already got a 2xx (or was refused for good)
 * is not sent again. 5xx, timeouts and network errors are retried with backoff until the retry
 * window ends; 429 puts the command off until its Retry-After; any other 4xx, a refused target
 * and an unfollowed redirect fail at once.
 */
export const callWebhook: ActionHandler<CommandOf<'call_webhook'>> = async (command, context) => {
  const { stores, logger, webhook, delivery } = context;
  const tenant = command.tenant_id;
  const prior = await stores.webhooks.delivery(tenant, command.id);
  if (prior?.state === 'succeeded') {
    logger.info({ status: prior.status }, 'webhook already delivered by an earlier delivery of this command; not sent again');
    return settledResult(prior);
  }
  if (prior?.state === 'failed') return settledResult(prior);
  const now = new Date();
  const record: WebhookDelivery = prior ?? { id: command.id, tenant_id: tenant, state: 'delivering', first_attempt_at: now.toISOString(), attempts: 0, updated_at: now.toISOString() };
  const fail = async (reason: string, answer?: HttpAnswer): Promise<ActionResult> => {
    await stores.webhooks.putDelivery(tenant, { ...record, ...answerFields(answer), state: 'failed', error: reason, updated_at: new Date().toISOString() });
    return { ...failed(reason), ...(answer ? { response: responseOf(answer) } : {}) };
  };
  if (!webhook) return fail('webhooks are not configured in this executor');

  const secrets = await stores.webhooks.secrets(tenant);
  if (!secrets) return fail('no webhook signing secret: create one with POST /api/v1/automation/settings/webhook-secret');
  const { url: rawUrl, method = 'POST', headers = {}, body } = command.parameters;
  let url: URL;
  try {
    url = checkWebhookUrl(webhook.policy, rawUrl);
  } catch (error) {
    if (error instanceof RefusedTargetError) return fail(error.message);
    throw error;
  }
  const payload = body === undefined ? (method === 'GET' || method === 'DELETE' ? '' : '{}') : JSON.stringify(body);
  const signedAt = new Date();
  const requestHeaders: Record<string, string> = {
    ...headers,
    'user-agent': 'Flowline-Webhook/1',
    'idempotency-key': command.id,
    [SIGNATURE_HEADER]: signatureHeader(secrets, payload, signedAt),
    ...(payload === '' ? {} : { 'content-type': 'application/json' }),
  };

  let answer: HttpAnswer;
  try {
    answer = await webhook.limiter.run(tenant, webhook.slotWaitMs ?? 250, async () => {
      await stores.webhooks.putDelivery(tenant, { ...record, attempts: record.attempts + 1, updated_at: new Date().toISOString() });
      record.attempts += 1;
      return follow(url, method, requestHeaders, payload, webhook);
    });
  } catch (error) {
    if (error instanceof TenantBusyError) throw new DeferError(new Date(Date.now() + 1000), error.message);
    if (error instanceof RefusedTargetError) return fail(error.message);
    if (!(error instanceof TransportError)) throw error;
    return retryOrFail(`webhook ${error.timedOut ? 'timed out' : 'could not be delivered'}: ${error.message}`);
  }
  const outcome = responseOf(answer);
  logger.info({ status: answer.status, duration_ms: answer.durationMs, attempts: record.attempts }, 'webhook answered');
  if (answer.status >= 200 && answer.status < 300) {
    await stores.webhooks.putDelivery(tenant, { ...record, ...answerFields(answer), state: 'succeeded', updated_at: new Date().toISOString() });
    return { status: 'succeeded', completed_at: new Date().toISOString(), response: outcome };
  }
  if (answer.status === 429) {
    const wait = retryAfterMs(answer.headers['retry-after']) ?? 1000 * 2 ** Math.min(record.attempts, 8);
    const at = Date.now() + wait;
    if (at > windowEnd()) return fail(`webhook answered 429 and asked to wait ${Math.round(wait / 1000)} s, beyond the retry window`, answer);
    await stores.webhooks.putDelivery(tenant, { ...record, ...answerFields(answer), updated_at: new Date().toISOString() });
    throw new DeferError(new Date(at), `webhook answered 429; trying again in ${Math.round(wait / 1000)} s`);
  }
  if (answer.status >= 500) return retryOrFail(`webhook answered ${answer.status}`, answer);
  if (answer.status >= 300 && answer.status < 400) return fail(`webhook answered ${answer.status} (redirect not followed)`, answer);
  return fail(`webhook answered ${answer.status}`, answer);

  function windowEnd(): number {
    return Date.parse(record.first_attempt_at) + webhook!.retryWindowMs;
  }

  /**
   * Retried while the window lasts: through the bus's retry queues while the command has
   * delivery attempts left, then through the schedule, waiting twice as long each time (up to
   * 15 min, and never past the window's end, where one last attempt is made).
   */
  async function retryOrFail(reason: string, answer?: HttpAnswer): Promise<ActionResult> {
    if (Date.now() >= windowEnd()) return fail(`${reason} (gave up after ${record.attempts} attempts)`, answer);
    await stores.webhooks.putDelivery(tenant, { ...record, ...answerFields(answer), error: reason, updated_at: new Date().toISOString() });
    const busAttemptsLeft = delivery === undefined || delivery.count < delivery.maxAttempts;
    if (busAttemptsLeft) throw new Error(`${reason}; will retry`);
    const wait = Math.min(1000 * 2 ** Math.min(record.attempts, 10), 15 * 60_000);
    throw new DeferError(new Date(Math.min(Date.now() + wait, windowEnd())), `${reason}; trying again later`);
  }
};

async function follow(url: URL, method: string, headers: Record<string, string>, payload: string, options: WebhookOptions): Promise<HttpAnswer> {
  let target = url;
  for (let hop = 0; ; hop++) {
    const answer = await httpCall({
      url: target,
      method,
      headers,
      body: payload === '' ? undefined : payload,
      connectTimeoutMs: options.connectTimeoutMs,
      responseTimeoutMs: options.responseTimeoutMs,
      lookup: guardedLookup(isAllowedHost(options.policy, target)),
    });
    const location = answer.headers.location;
    if (answer.status < 300 || answer.status >= 400 || !location || hop >= options.maxRedirects) return answer;
    let next: URL;
    try {
      next = new URL(location, target);
    } catch {
      throw new RefusedTargetError(`webhook answered ${answer.status} with a Location that is not a URL`);
    }
    // Only within the first URL's origin: each hop re-sends the tenant's headers, the signature and
    // the body, which an open redirect must not hand to a third party. Another origin is a 3xx not followed.
    if (next.origin !== url.origin) return answer;
    // Every hop meets the same guard as the first URL.
    target = checkWebhookUrl(options.policy, next.toString());
  }
}

function answerFields(answer: HttpAnswer | undefined): Partial<WebhookDelivery> {
  if (!answer) return {};
  return { status: answer.status, duration_ms: answer.durationMs, ...(answer.bodyExcerpt === '' ? {} : { body_excerpt: answer.bodyExcerpt }) };
}

function settledResult(prior: WebhookDelivery): ActionResult {
  const response = prior.status === undefined ? {} : { response: { status: prior.status, duration_ms: prior.duration_ms ?? 0, ...(prior.body_excerpt ? { body_excerpt: prior.body_excerpt } : {}) } };
  return prior.state === 'succeeded'
    ? { status: 'succeeded', completed_at: prior.updated_at, ...response }
    : { status: 'failed', error: prior.error ?? 'webhook failed', completed_at: prior.updated_at, ...response };
}

/** Retry-After in seconds or as an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}
