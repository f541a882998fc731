import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@flowline/config';

describe('loadConfig', () => {
  it('when nothing is set, then the embedded defaults apply', () => {
    const config = loadConfig({});
    expect(config.PORT).toBe(3000);
    expect(config.AMQP_URL).toBeUndefined();
    expect(config.MONGODB_URL).toBeUndefined();
    expect(config.SQLITE_PATH).toMatch(/data\/flowline\.db$/);
  });
  it('when a value is bad, then the error names each variable', () => {
    const attempt = () => loadConfig({ PORT: 'eighty', AMQP_URL: 'http://x', MAX_DELIVERY_ATTEMPTS: '0' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/PORT:[\s\S]*AMQP_URL: must be a URL starting with amqp:\/\/[\s\S]*MAX_DELIVERY_ATTEMPTS/);
  });
  it('when a variable is set to the empty string, then it counts as unset', () => {
    expect(loadConfig({ AMQP_URL: '', MONGODB_URL: '' }).AMQP_URL).toBeUndefined();
  });
  it('when LOOP_GUARD_MAX_DEPTH is unset, then it is 5; a negative one is refused', () => {
    expect(loadConfig({}).LOOP_GUARD_MAX_DEPTH).toBe(5);
    expect(loadConfig({ LOOP_GUARD_MAX_DEPTH: '2' }).LOOP_GUARD_MAX_DEPTH).toBe(2);
    expect(() => loadConfig({ LOOP_GUARD_MAX_DEPTH: '-1' })).toThrow(/LOOP_GUARD_MAX_DEPTH/);
  });
});
