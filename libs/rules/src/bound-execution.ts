import type { ActionOutcome, ConditionOutcome, Execution } from '@flowline/contracts';

/** The most one stored execution may take as JSON. */
export const MAX_EXECUTION_BYTES = 64 * 1024;
/** Notes one execution keeps; the rest are counted in a last note. */
const MAX_NOTES = 20;
const MAX_NOTE_CHARS = 500;
/** What condition values shrink to when the record is over its size. */
const SHRUNK_STRING = 100;

/**
 * An execution that fits {@link MAX_EXECUTION_BYTES}, never an error. Steps, each only while
 * the record is still too big: notes are cut to the first few; the values each condition
 * recorded shrink to short summaries; the list of condition outcomes is cut; actions whose
 * rendered parameters do not fit are not sent (failed, with the reason), since their
 * parameters are what the command carries. Each step leaves a note saying what it cut.
 */
export function boundExecution<E extends Execution>(execution: E, maxBytes = MAX_EXECUTION_BYTES): E {
  let size = bytesOf(execution);
  if (size <= maxBytes) return execution;
  const total = size;
  let bounded: E = { ...execution, notes: boundNotes(execution.notes) };
  const cut: string[] = [];

  size = bytesOf(bounded);
  if (size > maxBytes) {
    bounded = { ...bounded, conditions: bounded.conditions.map(shrinkOutcome) };
    cut.push('condition values summarised');
    size = bytesOf(bounded);
  }
  if (size > maxBytes && bounded.conditions.length > 0) {
    const kept = fitting(bounded.conditions, maxBytes - (size - bytesOf(bounded.conditions)) - 200);
    cut.push(`${bounded.conditions.length - kept.length} of ${bounded.conditions.length} condition outcomes not recorded`);
    bounded = { ...bounded, conditions: kept };
    size = bytesOf(bounded);
  }
  if (size > maxBytes) {
    const fixed = size - bytesOf(bounded.actions);
    // Room for the closing note, and for a short failed entry in place of every action.
    let room = maxBytes - fixed - 300 - bounded.actions.length * 300;
    const completedAt = bounded.updated_at;
    let refused = 0;
    const actions = bounded.actions.map((action): ActionOutcome => {
      const bytes = bytesOf(action);
      if (bytes <= room) {
        room -= bytes;
        return action;
      }
      refused += 1;
      const error = `not sent: its rendered parameters (${bytes} bytes) do not fit the execution record's ${maxBytes}-byte limit`;
      return { index: action.index, command_id: action.command_id, type: action.type, status: 'failed', parameters: {}, error, completed_at: completedAt };
    });
    cut.push(`${refused} actions not sent, their parameters too large`);
    bounded = { ...bounded, actions };
  }
  return { ...bounded, notes: [...bounded.notes, `record over ${maxBytes} bytes (${total}): ${cut.join('; ')}`] };
}

function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

function boundNotes(notes: readonly string[]): string[] {
  const kept = notes.slice(0, MAX_NOTES).map((note) => (note.length <= MAX_NOTE_CHARS ? note : `${note.slice(0, MAX_NOTE_CHARS)}… (${note.length} characters)`));
  return notes.length > MAX_NOTES ? [...kept, `and ${notes.length - MAX_NOTES} more notes`] : kept;
}

function shrinkOutcome(outcome: ConditionOutcome): ConditionOutcome {
  return {
    ...outcome,
    expected: shrink(outcome.expected),
    actual: shrink(outcome.actual),
    ...(outcome.conditions ? { conditions: outcome.conditions.map(shrinkOutcome) } : {}),
  };
}

function shrink(value: unknown): unknown {
  if (typeof value === 'string') return value.length <= SHRUNK_STRING ? value : `${value.slice(0, SHRUNK_STRING)}… (${value.length} characters)`;
  if (value === null || typeof value !== 'object') return value;
  if ('summary' in value) return value;
  return Array.isArray(value) ? { summary: 'array', length: value.length } : { summary: 'object', keys: Object.keys(value).length };
}

/** The longest prefix of `items` whose JSON fits `budget` bytes. */
function fitting<T>(items: readonly T[], budget: number): T[] {
  const kept: T[] = [];
  let used = 2;
  for (const item of items) {
    used += bytesOf(item) + 1;
    if (used > budget) break;
    kept.push(item);
  }
  return kept;
}
