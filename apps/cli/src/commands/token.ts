import { ALL_SCOPES, apiSecurityFromConfig, KNOWN_SCOPES, mintToken } from '@flowline/api';
import { loadConfig } from '@flowline/config';
import { parse } from '../args.ts';
import { UsageError } from '../cli-error.ts';

export const TOKEN_HELP = `Usage: flowline token --tenant <id> [--scopes a,b] [--expires 1h] [--subject id]

Prints a bearer token signed with JWT_SECRET (HS256), with JWT_ISSUER, JWT_AUDIENCE and
JWT_TENANT_CLAIM when set: the settings the api verifies with. For development and operators;
production tokens come from your identity provider.

Options:
  --tenant <id>     the tenant the token acts for (required)
  --scopes <list>   comma-separated (default ${ALL_SCOPES.join(',')});
                    known: ${KNOWN_SCOPES.join(', ')}
  --expires <span>  lifetime such as 15m, 1h, 7d (default 1h)
  --subject <id>    the token's sub (default dev:<tenant>)
  -h, --help        this help

Example (compose): docker compose exec api flowline token --tenant acme-corp`;

export async function tokenCommand(argv: string[]): Promise<void> {
  const { values } = parse(argv, 'token', {
    tenant: { type: 'string' },
    scopes: { type: 'string', default: ALL_SCOPES.join(',') },
    expires: { type: 'string', default: '1h' },
    subject: { type: 'string' },
  });
  if (values.help) return void console.log(TOKEN_HELP);
  if (!values.tenant) throw new UsageError('--tenant is required', 'token');
  const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  // A misspelled scope would mint a token that every request then refuses with 403.
  const unknown = scopes.filter((scope) => !(KNOWN_SCOPES as string[]).includes(scope));
  if (unknown.length > 0) throw new UsageError(`unknown scope ${unknown.map((s) => `'${s.slice(0, 40)}'`).join(', ')}; known: ${KNOWN_SCOPES.join(', ')}`, 'token');
  if (scopes.length === 0) throw new UsageError('--scopes names no scope', 'token');
  const config = loadConfig({ AUTH_MODE: 'jwt', ...process.env });
  const token = await mintToken(apiSecurityFromConfig(config).auth, {
    tenant: values.tenant,
    scopes,
    expiresIn: values.expires,
    ...(values.subject ? { subject: values.subject } : {}),
  });
  process.stdout.write(`${token}\n`);
}
