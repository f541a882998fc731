import { createHash } from 'node:crypto';

const FLOWLINE_NAMESPACE = 'f1a0c2d4-7b3e-4c59-9e21-6a8b0d3f5e17';

/**
 * A name-based (version 5 style) UUID: the same parts always give the same id, so a message
 * delivered twice maps to the same row and a unique key turns the second write into a no-op.
 */
export function deterministicUuid(...parts: Array<string | number>): string {
  const hash = createHash('sha1').update(FLOWLINE_NAMESPACE).update(parts.join('\u001f')).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** One execution per (event, rule). */
export function executionId(eventId: string, ruleId: string): string {
  return deterministicUuid('execution', eventId, ruleId);
}

/** One action command per (event, rule, action index). */
export function actionCommandId(eventId: string, ruleId: string, actionIndex: number): string {
  return deterministicUuid('action', eventId, ruleId, actionIndex);
}
