import { createHmac } from 'node:crypto';
import type { WebhookSecrets } from '@flowline/contracts';

export const SIGNATURE_HEADER = 'x-flowline-signature';

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, with one more `v1=` for the previous
 * secret while its grace period lasts, so that a receiver still holding it keeps verifying.
 */
export function signatureHeader(secrets: WebhookSecrets, body: string, now: Date): string {
  const t = Math.floor(now.getTime() / 1000);
  const keys = [secrets.current.secret];
  if (secrets.previous && Date.parse(secrets.previous.expires_at) > now.getTime()) keys.push(secrets.previous.secret);
  return [`t=${t}`, ...keys.map((key) => `v1=${createHmac('sha256', key).update(`${t}.${body}`).digest('hex')}`)].join(',');
}
