import { describe, expect, it } from 'vitest';
import { loadConfig } from '@flowline/config';

describe('security settings', () => {
  it('when nothing is set, then CORS is closed and the limits have their defaults', () => {
    const config = loadConfig({});
    expect(config.CORS_ORIGINS).toEqual([]);
    expect(config).toMatchObject({ RATE_LIMIT_WINDOW_MS: 60_000, RATE_LIMIT_WRITES: 600, RATE_LIMIT_EVENTS: 12_000, MAX_RULES_PER_TENANT: 1000, JWT_TENANT_CLAIM: 'tenant_id' });
  });
  it('when CORS_ORIGINS lists origins, then each is kept, trimmed', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example, https://b.example ,' }).CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });
  it('when a JWKS URL is not http(s) or a limit is negative, then the variable is named', () => {
    expect(() => loadConfig({ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'ftp://keys' })).toThrow(/JWT_JWKS_URL/);
    expect(() => loadConfig({ RATE_LIMIT_WRITES: '-1' })).toThrow(/RATE_LIMIT_WRITES/);
  });
  it('when jwt has a JWKS URL and no secret, then it starts', () => {
    expect(loadConfig({ AUTH_MODE: 'jwt', JWT_JWKS_URL: 'https://id.example/.well-known/jwks.json' }).AUTH_MODE).toBe('jwt');
  });
});
