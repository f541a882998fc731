import { describe, expect, it } from 'vitest';
import { continueTrace, formatTraceparent, parseTraceparent } from '@flowline/observability';

const INCOMING = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('W3C traceparent', () => {
  it('when a valid traceparent comes in, then the trace goes on with the same trace id, a new span and the caller as parent', () => {
    const span = continueTrace(INCOMING);
    expect(span).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', parentSpanId: '00f067aa0ba902b7', flags: '01' });
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.spanId).not.toBe('00f067aa0ba902b7');
    expect(formatTraceparent(span)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${span.spanId}-01`);
  });

  it.each([
    ['missing', undefined],
    ['garbage', 'hello'],
    ['all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['all-zero span id', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01'],
    ['forbidden version ff', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    ['version 00 with extra fields', `${INCOMING}-extra`],
  ])('when the traceparent is %s, then it is refused and a new trace starts', (_case, value) => {
    expect(parseTraceparent(value)).toBeUndefined();
    const span = continueTrace(value);
    expect(span.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(span.parentSpanId).toBeUndefined();
  });

  it('when a later version adds fields, then the known four are still read', () => {
    expect(parseTraceparent(`01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-more`)?.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
  });

  it('when AMQP hands the header over as a Buffer, then it is read like a string', () => {
    expect(parseTraceparent(Buffer.from(INCOMING))?.spanId).toBe('00f067aa0ba902b7');
  });
});
