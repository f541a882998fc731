export { startApi, type RunningApi } from './start-api.ts';
export { createApp, type ApiDeps } from './entry-points/http/create-app.ts';
export { apiSecurityFromConfig, defaultApiSecurity, type ApiSecurity, type AuthOptions, type LimitOptions } from './entry-points/http/security/security-options.ts';
export { mintToken, type MintOptions } from './entry-points/http/security/tokens.ts';
export { SCOPES, ALL_SCOPES, KNOWN_SCOPES, type Scope } from './entry-points/http/security/scopes.ts';
