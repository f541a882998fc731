/**
 * Checks a list limit before it reaches a query. MongoDB reads `limit(0)` as "no limit" and
 * SQLite reads `LIMIT -1` the same way, so a bad value must fail here rather than turn a
 * bounded listing into a full scan.
 */
export function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${String(limit)}`);
  }
  return limit;
}
