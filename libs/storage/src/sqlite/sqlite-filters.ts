import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import type { CursorPosition } from '../entity-cursor.ts';
import { sortableTime } from './sqlite-row.ts';

/** Rows strictly after a cursor position, newest first by (created_at, id); bound with {@link afterValues}. */
export const AFTER_POSITION = '(created_at < ? OR (created_at = ? AND id < ?))';

/** The values of {@link AFTER_POSITION}, none for the first page. */
export function afterValues(after: CursorPosition | undefined): SQLInputValue[] {
  if (after === undefined) return [];
  const createdAt = sortableTime(after.created_at);
  return [createdAt, createdAt, after.id];
}

/** The WHERE fragments of the filters given (`undefined` values are left out) and their values, in order. */
export function filterClauses(filters: ReadonlyArray<readonly [clause: string, value: SQLInputValue | undefined]>): { clauses: string[]; values: SQLInputValue[] } {
  const clauses: string[] = [];
  const values: SQLInputValue[] = [];
  for (const [clause, value] of filters) {
    if (value === undefined) continue;
    clauses.push(clause);
    values.push(value);
  }
  return { clauses, values };
}

/** One prepared list statement per combination of filters, prepared on first use. */
export class FilteredStatements {
  readonly #db: DatabaseSync;
  readonly #sql: (where: string) => string;
  readonly #byKey = new Map<string, StatementSync>();

  constructor(db: DatabaseSync, sql: (where: string) => string) {
    this.#db = db;
    this.#sql = sql;
  }

  /** `clauses` are fixed fragments from the store's own code; values are always bound, never spliced in. */
  get(clauses: string[]): StatementSync {
    const where = ['tenant_id = ?', ...clauses].join(' AND ');
    let statement = this.#byKey.get(where);
    if (statement === undefined) {
      statement = this.#db.prepare(this.#sql(where));
      this.#byKey.set(where, statement);
    }
    return statement;
  }
}
