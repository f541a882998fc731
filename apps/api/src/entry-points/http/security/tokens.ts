import { SignJWT } from 'jose';
import type { AuthOptions } from './security-options.ts';

export interface MintOptions {
  tenant: string;
  scopes: string[];
  /** A time span such as `1h`, or an absolute expiry in epoch seconds. @defaultValue '1h' */
  expiresIn?: string | number;
  subject?: string;
}

/** An HS256 token the api accepts under `options` (development and tests; production tokens come from the identity provider). */
export async function mintToken(options: Pick<AuthOptions, 'secret' | 'issuer' | 'audience' | 'tenantClaim'>, mint: MintOptions): Promise<string> {
  if (!options.secret) throw new Error('minting a token needs JWT_SECRET (tokens for a JWKS come from its identity provider)');
  let jwt = new SignJWT({ [options.tenantClaim]: mint.tenant, scope: mint.scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setSubject(mint.subject ?? `dev:${mint.tenant}`)
    .setExpirationTime(mint.expiresIn ?? '1h');
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(options.secret));
}
