import { InvalidCursorError } from '@flowline/storage';
import { AppError } from './app-error.ts';

/** Runs a list read, answering a cursor the store did not make with a 400 at `query.cursor`. */
export async function withCursor<T>(list: () => Promise<T>): Promise<T> {
  try {
    return await list();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw AppError.validation([{ path: 'query.cursor', message: error.message }]);
    throw error;
  }
}
