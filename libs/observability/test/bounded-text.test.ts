import { describe, expect, it } from 'vitest';
import { boundField, boundText, summariseProblems } from '../src/bounded-text.ts';

describe('bounded text', () => {
  it('when text is within the bound, then it is unchanged', () => {
    expect(boundText('short reason')).toBe('short reason');
    expect(summariseProblems(['a: bad', 'b: worse'])).toBe('a: bad; b: worse');
  });

  it('when text is over 1 KiB, then it is cut to at most 1 KiB, never inside a character, with its full size noted', () => {
    const cut = boundText('é'.repeat(5000));
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut).toMatch(/^é+ … \[10000 bytes, cut\]$/);
  });

  it('when thousands of problems are summarised, then the first five are listed, each cut, and the rest counted', () => {
    const problems = Array.from({ length: 5000 }, (_, i) => `field_${i}: ${'x'.repeat(1000)}`);
    const summary = summariseProblems(problems);
    expect(Buffer.byteLength(summary)).toBeLessThanOrEqual(1024);
    expect(summary.startsWith('field_0: x')).toBe(true);
    expect(summary).toContain('field_4: ');
    expect(summary).not.toContain('field_5: ');
    expect(summary).toMatch(/; and 4995 more$/);
  });

  it('when a log field is a long string, then it is cut with its length; other values pass as they are', () => {
    expect(boundField('y'.repeat(10_000))).toBe(`${'y'.repeat(200)}… [10000 chars]`);
    expect(boundField(42)).toBe(42);
  });
});

describe('log lines', () => {
  it('when a log field or an error message carries 1 MB of input, then the line stays a few kilobytes and says how long the field was', async () => {
    const { createLogger } = await import('../src/logger.ts');
    const lines: string[] = [];
    const logger = createLogger({ service: 'test', destination: { write: (line: string) => void lines.push(line) } });
    const huge = 'A'.repeat(1_000_000);
    logger.child({ path: huge }).warn({ reason: huge, err: new Error(`bad input ${huge}`), count: 3 }, 'refused');

    expect(lines).toHaveLength(1);
    expect(lines[0]!.length).toBeLessThan(10_000);
    const line = JSON.parse(lines[0]!);
    expect(line.reason).toMatch(/^A{1000}… \[1000000 chars\]$/);
    expect(line.count).toBe(3);
    expect(line.err.message).toMatch(/^bad input A+ … \[1000010 bytes, cut\]$/);
  });
});
