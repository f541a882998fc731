/** Rejects option values that would silently disable a limit (0, negative, fractional, NaN). */
export function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer, got ${value}`);
  return value;
}
