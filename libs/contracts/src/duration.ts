import { z } from 'zod';

/*
 * ISO-8601 durations of fixed length only: weeks, days, hours, minutes and seconds. Years and
 * months have no fixed length (nor, across a daylight-saving change, does a calendar day; a
 * `D` here is always 24 hours), so they are refused rather than guessed.
 */
const DURATION = /^P(?!$)(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?!$)(?:(\d{1,8})H)?(?:(\d{1,10})M)?(?:(\d{1,12}(?:\.\d{1,3})?)S)?)?$/;

/** Milliseconds of an ISO-8601 duration such as `PT30M` or `P2D`; undefined when it is not one. */
export function parseIsoDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match) return undefined;
  const [, w, d, h, m, s] = match;
  const ms = (Number(w ?? 0) * 7 * 24 * 3600 + Number(d ?? 0) * 24 * 3600 + Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return Number.isFinite(ms) ? Math.round(ms) : undefined;
}

export const IsoDurationSchema = z
  .string()
  .max(40)
  .refine((text) => parseIsoDuration(text) !== undefined, 'must be an ISO-8601 duration in weeks, days, hours, minutes or seconds, such as PT30M or P2D');
