import { MongoServerError } from 'mongodb';

/** E11000: a unique index refused the write, i.e. a document with this key exists already. */
export function isDuplicateKeyError(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}
