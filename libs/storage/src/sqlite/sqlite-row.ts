import type { SQLOutputValue } from 'node:sqlite';

/**
 * The value stored in a `created_at` column: the instant in UTC with millisecond precision,
 * so that text order is time order whatever offset or precision the document used.
 * A value Date cannot read is kept as given rather than refusing the write.
 */
export function sortableTime(iso: string): string {
  const time = Date.parse(iso);
  return Number.isNaN(time) ? iso : new Date(time).toISOString();
}

/** The document held in a row's `doc` column. */
export function docOf<T>(row: Record<string, SQLOutputValue> | undefined): T | null {
  if (row === undefined) return null;
  const doc = row['doc'];
  if (typeof doc !== 'string') throw new Error('storage: row has no JSON document');
  return JSON.parse(doc) as T;
}

/** The documents of several rows, in row order. */
export function docsOf<T>(rows: Array<Record<string, SQLOutputValue>>): T[] {
  return rows.map((row) => docOf<T>(row) as T);
}
