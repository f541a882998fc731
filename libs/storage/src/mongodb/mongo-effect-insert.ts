import type { Collection, Document } from 'mongodb';
import type { TenantId } from '@flowline/contracts';
import type { ExecutionStore, ResultWithEffect } from '../ports.ts';
import { isDuplicateKeyError } from './mongo-errors.ts';
import { STORED_AT } from './mongo-retention.ts';

/**
 * Inserts an action's effect (a notification, a task) unless one with its id is there already, a redelivered
 * command's; then records the action's result, if given (ResultWithEffect). False when the effect was there already.
 */
export async function insertEffectOnce(
  effects: Collection<Document>,
  effect: Document,
  results: Pick<ExecutionStore, 'recordActionResult'>,
  tenant: TenantId,
  result: ResultWithEffect,
): Promise<boolean> {
  let created: boolean;
  try {
    // A copy, because insertOne adds an _id to the object it is given.
    await effects.insertOne({ ...effect, [STORED_AT]: new Date() });
    created = true;
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    created = false;
  }
  // After the effect, never before: a result is only there for an effect that is. A failure here fails the
  // command, whose redelivery finds the effect and writes the result again.
  if (result !== undefined) await results.recordActionResult(tenant, result);
  return created;
}
