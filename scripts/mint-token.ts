/*
 * `npm run token -- --tenant acme-corp --scopes automation:read,automation:write [--expires 1h]`
 * prints a development bearer token signed with JWT_SECRET (and JWT_ISSUER / JWT_AUDIENCE /
 * JWT_TENANT_CLAIM when set), the same settings the api verifies with.
 */
import { parseArgs } from 'node:util';
import { ALL_SCOPES, apiSecurityFromConfig, mintToken } from '@flowline/api';
import { ConfigError, loadConfig } from '@flowline/config';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    scopes: { type: 'string', default: ALL_SCOPES.join(',') },
    expires: { type: 'string', default: '1h' },
    subject: { type: 'string' },
  },
});

try {
  if (!values.tenant) throw new Error('usage: npm run token -- --tenant <tenant-id> [--scopes a,b] [--expires 1h] [--subject id]');
  const config = loadConfig({ AUTH_MODE: 'jwt', ...process.env });
  const token = await mintToken(apiSecurityFromConfig(config).auth, {
    tenant: values.tenant,
    scopes: values.scopes.split(',').map((s) => s.trim()).filter(Boolean),
    expiresIn: values.expires,
    ...(values.subject ? { subject: values.subject } : {}),
  });
  process.stdout.write(`${token}\n`);
} catch (error) {
  console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
  process.exit(1);
}
