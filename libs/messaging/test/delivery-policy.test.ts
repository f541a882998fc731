import { describe, expect, it } from 'vitest';
import { PermanentMessageError } from '../src/errors.ts';
import { deadLetterHeaders, decideAfterFailure, deliveryCountOf, replayHeaders, retryDelayMs, settlementAfterFailure, toDeadLetter } from '../src/delivery-policy.ts';
import { defineTopology, HEADERS } from '../src/topology.ts';
import { assertPublishable, UnpublishableMessageError } from '../src/wire-limits.ts';

const delays = { baseMs: 100, maxMs: 2000 };

describe('decideAfterFailure', () => {
  it('when the error is a PermanentMessageError, then it dead-letters on the first delivery', () => {
    expect(decideAfterFailure(new PermanentMessageError('bad body'), 1, 5, delays)).toEqual({ action: 'dead-letter', reason: 'bad body', permanent: true });
  });

  it('when a transient error happens before the last attempt, then it retries after a growing delay', () => {
    expect(decideAfterFailure(new Error('busy'), 1, 5, delays)).toEqual({ action: 'retry', delayMs: 100, reason: 'busy' });
    expect(decideAfterFailure(new Error('busy'), 3, 5, delays)).toEqual({ action: 'retry', delayMs: 400, reason: 'busy' });
  });

  it('when a transient error happens on the last attempt, then it dead-letters with that error', () => {
    expect(decideAfterFailure(new Error('still busy'), 5, 5, delays)).toEqual({ action: 'dead-letter', reason: 'still busy', permanent: false });
  });

  it('when a handler’s own publish could never reach the broker, then its message is dead-lettered at once (never acked as done, never retried)', () => {
    let refusal: unknown;
    try {
      assertPublishable('x.actions', 'action.create_task', Buffer.from('{}'), { messageId: 'm'.repeat(300) });
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(UnpublishableMessageError);
    expect(decideAfterFailure(refusal, 1, 5, delays)).toMatchObject({ action: 'dead-letter', reason: expect.stringContaining('cannot be encoded for the broker') });
  });

  it('when something other than an Error is thrown, then the reason still describes it', () => {
    expect(decideAfterFailure('plain string', 5, 5, delays)).toMatchObject({ reason: 'plain string' });
    expect(decideAfterFailure({ code: 42 }, 5, 5, delays)).toMatchObject({ reason: 'non-error thrown: {"code":42}' });
  });
});

describe('retryDelayMs', () => {
  it('when deliveries keep failing, then the delay doubles up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => retryDelayMs(n, delays))).toEqual([100, 200, 400, 800, 1600, 2000, 2000]);
  });
});

describe('deliveryCountOf', () => {
  it('when there is no x-delivery-count, then it is the first delivery unless flagged as redelivered', () => {
    expect(deliveryCountOf({})).toBe(1);
    expect(deliveryCountOf({}, true)).toBe(2);
  });

  it('when x-delivery-count is set, then the count is one more', () => {
    expect(deliveryCountOf({ 'x-delivery-count': 2 })).toBe(3);
    expect(deliveryCountOf({ 'x-delivery-count': '4' })).toBe(5);
  });

  it('when x-delivery-count is malformed, then it counts as absent instead of throwing', () => {
    for (const value of ['abc', -1, null, { nested: true }, Number.NaN, '']) {
      expect(deliveryCountOf({ 'x-delivery-count': value })).toBe(1);
    }
  });
});

describe('deadLetterHeaders', () => {
  const context = { reason: 'boom', attempts: 3, originalExchange: 'ns.events', originalRoutingKey: 'sales.x', now: new Date('2025-01-02T03:04:05Z') };

  it('when dead-lettering, then original headers stay and the broker delivery counter goes', () => {
    const headers = deadLetterHeaders({ 'x-tenant-id': 't1', 'x-delivery-count': 2 }, context);
    expect(headers).toEqual({
      'x-tenant-id': 't1',
      [HEADERS.reason]: 'boom',
      [HEADERS.attempts]: 3,
      [HEADERS.firstFailedAt]: '2025-01-02T03:04:05.000Z',
      [HEADERS.deadLetteredAt]: '2025-01-02T03:04:05.000Z',
      [HEADERS.originalExchange]: 'ns.events',
      [HEADERS.originalRoutingKey]: 'sales.x',
    });
  });

  it('when the message already failed before (a replay), then its first failure time is kept', () => {
    const headers = deadLetterHeaders({ [HEADERS.firstFailedAt]: '2024-12-31T00:00:00.000Z' }, context);
    expect(headers[HEADERS.firstFailedAt]).toBe('2024-12-31T00:00:00.000Z');
  });
});

describe('toDeadLetter', () => {
  it('when the broker dead-lettered the message itself, then reason and routing key come from x-death', () => {
    const headers = { 'x-death': [{ reason: 'delivery_limit', 'routing-keys': ['sales.x'], queue: 'ns.engine.events' }] };
    expect(toDeadLetter(Buffer.from('{}'), headers, 'ns.engine.events')).toMatchObject({ reason: 'delivery_limit', routingKey: 'sales.x' });
  });

  it('when nothing says why, then the reason is unknown and the routing key the delivered one', () => {
    expect(toDeadLetter(Buffer.from('{}'), { 'x-death': 'garbage' }, 'ns.engine.events')).toMatchObject({
      reason: 'unknown',
      routingKey: 'ns.engine.events',
    });
  });
});

describe('replayHeaders', () => {
  it('when a dead letter is replayed, then the traces of its attempts and the publish id of its dead-letter copy go, and its producer headers stay', () => {
    const replayed = replayHeaders({
      [HEADERS.tenantId]: 'acme-corp',
      [HEADERS.eventTime]: '2026-11-24T12:00:00.000Z',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      [HEADERS.reason]: 'store unavailable',
      [HEADERS.attempts]: 5,
      'x-delivery-count': 4,
      'x-flowline-publish-id': '0b6a3f0e-2f7c-4c56-9a55-1d7b7d3c9a10',
    });
    expect(replayed).toEqual({
      [HEADERS.tenantId]: 'acme-corp',
      [HEADERS.eventTime]: '2026-11-24T12:00:00.000Z',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
  });
});

describe('settlementAfterFailure', () => {
  const topology = defineTopology('plan', { maxAttempts: 3, retryDelay: { baseMs: 100, maxMs: 1000 } });
  const queue = topology.queues[topology.subscriptions['engine.events'].queue]!;
  const policy = topology.retry;
  const now = new Date('2026-11-30T12:00:00.000Z');
  const delivery = (deliveryCount: number) => ({ headers: { [HEADERS.tenantId]: 't', 'x-delivery-count': 1 }, deliveryCount, exchange: 'plan.events', routingKey: 'sales.deal' });

  it('when a transient failure has attempts left, then the one plan parks a copy in the retry queue for its delay, with the retry headers', () => {
    expect(settlementAfterFailure(new Error('busy'), delivery(2), queue, policy, now)).toEqual({
      action: 'retry',
      reason: 'busy',
      attempts: 2,
      queue: queue.retryQueues![1]!.queue,
      delayMs: 200,
      headers: { [HEADERS.tenantId]: 't', [HEADERS.reason]: 'busy', [HEADERS.attempts]: 2, [HEADERS.firstFailedAt]: now.toISOString(), [HEADERS.originalExchange]: 'plan.events', [HEADERS.originalRoutingKey]: 'sales.deal' },
    });
  });

  it('when the last attempt fails, or the error is permanent, then the plan is a dead letter with its headers, permanent only for the latter', () => {
    const last = settlementAfterFailure(new Error('busy'), delivery(3), queue, policy, now);
    const permanent = settlementAfterFailure(new PermanentMessageError('bad body'), delivery(1), queue, policy, now);
    expect(last).toMatchObject({ action: 'dead-letter', permanent: false, attempts: 3, headers: { [HEADERS.deadLetteredAt]: now.toISOString(), [HEADERS.attempts]: 3 } });
    expect(permanent).toMatchObject({ action: 'dead-letter', permanent: true, attempts: 1, reason: 'bad body' });
    expect(last.headers).not.toHaveProperty('x-delivery-count');
  });
});
