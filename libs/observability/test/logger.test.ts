import { describe, expect, it } from 'vitest';
import { wantsPrettyLogs } from '@flowline/observability';

describe('LOG_FORMAT', () => {
  it('when auto, then text only for development at a terminal; JSON for production, tests and pipes', () => {
    expect(wantsPrettyLogs('auto', 'development', true)).toBe(true);
    expect(wantsPrettyLogs('auto', 'development', false)).toBe(false);
    expect(wantsPrettyLogs('auto', 'production', true)).toBe(false);
    expect(wantsPrettyLogs('auto', 'test', true)).toBe(false);
  });
  it('when set to json or pretty, then that is used whatever the terminal', () => {
    expect(wantsPrettyLogs('json', 'development', true)).toBe(false);
    expect(wantsPrettyLogs('pretty', 'production', false)).toBe(true);
  });
});
