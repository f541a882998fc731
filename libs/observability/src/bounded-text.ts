/**
 * Text that came from outside (validation problems, error messages, header values) travels on
 * into AMQP headers, problem documents and log lines. Each of those has a hard or a sensible
 * size limit, so such text is cut here, in one place, before it goes anywhere.
 */

/** The most a dead-letter reason, error text or validation summary may take, in UTF-8 bytes. */
export const MAX_REASON_BYTES = 1024;
/** How many problems a summary lists before it only counts the rest. */
export const MAX_LISTED_PROBLEMS = 5;
/** The most one listed problem, or one log field, may take, in characters. */
export const MAX_FIELD_CHARS = 200;

/**
 * `text` cut to at most `maxBytes` UTF-8 bytes, never inside a character, with a note of how
 * much was cut so a reader knows it is not the whole text.
 */
export function boundText(text: string, maxBytes = MAX_REASON_BYTES): string {
  if (text.length <= maxBytes / 3 || Buffer.byteLength(text) <= maxBytes) return text;
  const total = Buffer.byteLength(text);
  const note = ` … [${total} bytes, cut]`;
  const room = Math.max(0, maxBytes - Buffer.byteLength(note));
  // Decoding a cut buffer drops a torn last character as U+FFFD; strip that.
  const head = Buffer.from(text).subarray(0, room).toString('utf8').replace(/\uFFFD+$/, '');
  return `${head}${note}`;
}

/**
 * The first few of `problems`, each cut to {@link MAX_FIELD_CHARS} characters, joined with
 * `; `, plus the count of those left out, all within {@link MAX_REASON_BYTES}.
 */
export function summariseProblems(problems: readonly string[], maxListed = MAX_LISTED_PROBLEMS): string {
  const listed = problems.slice(0, maxListed).map((problem) => boundField(problem));
  const rest = problems.length - listed.length;
  // The count of what was left out must survive the cut, so it gets its room first.
  const tail = rest > 0 ? `; and ${rest} more` : '';
  return `${boundText(listed.join('; '), MAX_REASON_BYTES - Buffer.byteLength(tail))}${tail}`;
}

/** One value for a log line or a listed problem: a string cut to `maxChars`; anything else as is. */
export function boundField<T>(value: T, maxChars = MAX_FIELD_CHARS): T | string {
  if (typeof value !== 'string' || value.length <= maxChars) return value;
  return `${value.slice(0, maxChars).replace(/[\uD800-\uDBFF]$/, '')}… [${value.length} chars]`;
}
