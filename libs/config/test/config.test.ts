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
  it('when several values are bad, then the error is one line naming each of them', () => {
    expect(() => loadConfig({ PORT: 'eighty', AMQP_URL: 'http://x' })).toThrow(/^Invalid configuration: PORT: [^\n]*; AMQP_URL: [^\n]*$/);
  });
  it('when a secret is still the CHANGE-ME placeholder of the template, then every role refuses to start', () => {
    for (const [name, value] of [
      ['JWT_SECRET', 'CHANGE-ME-to-a-random-string-of-at-least-32-characters'],
      ['AMQP_URL', 'amqp://flowline:CHANGE-ME@rabbitmq:5672/'],
      ['MONGODB_URL', 'mongodb://flowline:changeme@mongodb:27017/'],
    ]) {
      expect(() => loadConfig({ [name!]: value }), name).toThrow(new RegExp(`${name}: still the CHANGE-ME placeholder`));
    }
    expect(loadConfig({ JWT_SECRET: 'a-real-secret-of-at-least-32-characters-long' }).JWT_SECRET).toMatch(/^a-real/);
  });
  it('when retention is unset, then executions and notifications keep 30 days, tasks for ever, sent outbox rows 7 days', () => {
    const config = loadConfig({});
    expect([config.RETENTION_DAYS, config.NOTIFICATION_RETENTION_DAYS, config.TASK_RETENTION_DAYS, config.OUTBOX_RETENTION_DAYS]).toEqual([30, 30, 0, 7]);
    expect(loadConfig({ RETENTION_DAYS: '0.5' }).RETENTION_DAYS).toBe(0.5);
    expect(() => loadConfig({ RETENTION_DAYS: '-1' })).toThrow(/RETENTION_DAYS/);
  });
});
