import { createHmac, timingSafeEqual } from 'node:crypto';

// The receiver-side check from the README ("Verifying a webhook"), kept word for word.
export function verifyFlowlineSignature(header: string, rawBody: string, secret: string, toleranceS = 300): boolean {
  const parts = header.split(',').map((p) => p.split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  if (!Number.isInteger(t) || Math.abs(Date.now() / 1000 - t) > toleranceS) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${rawBody}`).digest();
  return parts
    .filter(([k]) => k === 'v1')
    .some(([, sig]) => {
      const given = Buffer.from(sig ?? '', 'hex');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
}
