import { describe, expect, it } from 'vitest';
import { assertPublishable, UnpublishableMessageError } from '../src/wire-limits.ts';

const body = Buffer.from('{}');
const publish = (options: Record<string, unknown>, routingKey = 'action.send_notification') => () => assertPublishable('flowline.actions', routingKey, body, { persistent: true, ...options });

describe('assertPublishable', () => {
  it('when a publish is plainly small, then it passes; when a short string is over 255 UTF-8 bytes, then it is refused, however few characters it has', () => {
    expect(publish({ messageId: 'a'.repeat(85), headers: { 'x-tenant-id': 'acme', n: 1, b: true } })).not.toThrow();
    // Past the fast path's bound but within AMQP's: measured in full, and accepted.
    expect(publish({ messageId: 'a'.repeat(255) })).not.toThrow();
    expect(publish({ messageId: '€'.repeat(85) })).not.toThrow();
    expect(publish({ messageId: '€'.repeat(86) })).toThrow(UnpublishableMessageError);
    expect(publish({ correlationId: 'c'.repeat(256) })).toThrow(UnpublishableMessageError);
    expect(publish({}, 'k'.repeat(256))).toThrow(UnpublishableMessageError);
  });

  it('when headers are many, long or of other types, then they are measured in full: refused only past the header limit', () => {
    const many = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`h${i}`, 'v'.repeat(600)]));
    expect(publish({ headers: many })).not.toThrow();
    expect(publish({ headers: { big: 'x'.repeat(40_000) } })).toThrow(/headers take \d+ bytes/);
    expect(publish({ headers: { nested: { a: 'b' }, list: ['x', 1] } })).not.toThrow();
  });
});
