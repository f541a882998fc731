import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { AuthOptions } from './security-options.ts';

/** Why a bearer token was refused; the message is safe to show the caller. */
export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/** The keys could not be fetched (JWKS endpoint down or answering nonsense): our failure, not the caller's. */
export class KeySourceUnavailableError extends Error {
  override readonly name = 'KeySourceUnavailableError';
}

/**
 * Verifies bearer tokens: HS256 against the shared secret, RS256/ES256 against the JWKS
 * (fetched and cached by jose, refreshed when an unknown `kid` shows up).
 */
export class JwtVerifier {
  readonly #options: AuthOptions;
  readonly #secret: Uint8Array | undefined;
  readonly #jwks: JWTVerifyGetKey | undefined;
  readonly #algorithms: string[];

  constructor(options: AuthOptions) {
    if (!options.secret && !options.jwksUrl) throw new Error('jwt authentication needs a secret or a JWKS URL');
    this.#options = options;
    this.#secret = options.secret ? new TextEncoder().encode(options.secret) : undefined;
    this.#jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined;
    this.#algorithms = [...(this.#secret ? ['HS256'] : []), ...(this.#jwks ? ['RS256', 'ES256'] : [])];
  }

  async verify(token: string): Promise<JWTPayload> {
    const payload = await this.#verifySignature(token);
    this.#checkLifetime(payload);
    return payload;
  }

  async #verifySignature(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, (header, input) => this.#key(header.alg, header, input), {
        algorithms: this.#algorithms,
        clockTolerance: this.#options.clockToleranceSeconds,
        requiredClaims: ['exp'],
        ...(this.#options.issuer ? { issuer: this.#options.issuer } : {}),
        ...(this.#options.audience ? { audience: this.#options.audience } : {}),
      });
      return payload;
    } catch (error) {
      if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
        throw new KeySourceUnavailableError('the signing keys could not be fetched', { cause: error });
      }
      throw new InvalidTokenError(describe(error), { cause: error });
    }
  }

  /**
   * A token issued in the future, or one meant to live longer than `maxTokenLifetimeSeconds`
   * (an `exp` of 1e308, say), is refused: a leaked token must not stay good for ever.
   */
  #checkLifetime(payload: JWTPayload): void {
    const now = Date.now() / 1000;
    const { exp } = payload as { exp: number };
    // Without `iat` (it is optional), the lifetime is counted from now.
    const iat = typeof payload.iat === 'number' ? payload.iat : now;
    if (iat > now + this.#options.clockToleranceSeconds) throw new InvalidTokenError("the token's iat claim is in the future");
    if (exp - iat > this.#options.maxTokenLifetimeSeconds + this.#options.clockToleranceSeconds) {
      throw new InvalidTokenError(`the token lives longer than the ${this.#options.maxTokenLifetimeSeconds} s allowed (exp - iat)`);
    }
  }

  #key(alg: string | undefined, ...args: Parameters<JWTVerifyGetKey>) {
    if (alg === 'HS256' && this.#secret) return this.#secret;
    if (this.#jwks) return this.#jwks(...args);
    throw new errors.JOSEAlgNotAllowed('unexpected algorithm');
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token's ${error.claim} claim is not accepted`;
  if (error instanceof errors.JOSEAlgNotAllowed) return "the token's algorithm is not accepted";
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the token's signature does not verify";
  if (error instanceof errors.JWKSNoMatchingKey) return "no key matches the token's kid";
  return 'the token is malformed or cannot be verified';
}
