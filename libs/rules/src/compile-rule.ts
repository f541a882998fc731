import type { Condition, ConditionGroup, ConditionOutcome } from '@flowline/contracts';
import type { Evaluation } from './evaluate-conditions.ts';
import type { Rendered } from './render-template.ts';
import { readPath } from './read-path.ts';

/** What a rule's outcome in an event record keeps of the condition that failed first. */
export type FailedCondition = Omit<ConditionOutcome, 'conditions' | 'passed'>;

/**
 * A rule's conditions as one plain function over event data; see {@link compileConditions}.
 * `firstFailure` answers the other question the engine asks of every rule that does not match:
 * which condition failed first, with the value it saw (inside a group, the first one in it that
 * did not pass), or undefined when they all pass.
 */
export type CompiledConditions = ((data: Record<string, unknown>) => Evaluation) & {
  firstFailure(data: Record<string, unknown>): FailedCondition | undefined;
};

/** A rule action's parameters as one plain function over the render context. */
export type CompiledParameters<P extends Record<string, unknown>> = (context: Record<string, unknown>) => Rendered<P>;

type Check = (actual: unknown) => boolean;
type LeafCondition = Exclude<Condition, ConditionGroup>;

/** One condition, compiled: its full outcome, and its first failure alone (undefined when it passes). */
interface CompiledNode {
  outcome(data: Record<string, unknown>): ConditionOutcome;
  failure(data: Record<string, unknown>): FailedCondition | undefined;
}

/**
 * Compiles a rule's conditions once (per rule version) into a function: field paths are split
 * up front and each condition becomes a closure with its operand bound; the top-level list
 * means "all". The result is exactly that of evaluating the conditions one by one: every
 * condition is evaluated, even after one fails, with the value it saw, and a missing field or
 * a value of the wrong type makes a condition false.
 *
 * Most rules an event is evaluated against do not match it, and their record keeps only the
 * first failure: `firstFailure` stops there, and builds that one outcome rather than all of them.
 */
export function compileConditions(conditions: readonly Condition[]): CompiledConditions {
  const nodes = conditions.map(compileNode);
  const evaluate = (data: Record<string, unknown>): Evaluation => {
    const outcomes: ConditionOutcome[] = new Array(nodes.length);
    let matched = true;
    for (let i = 0; i < nodes.length; i += 1) {
      const outcome = nodes[i]!.outcome(data);
      if (!outcome.passed) matched = false;
      outcomes[i] = outcome;
    }
    return { matched, outcomes };
  };
  return Object.assign(evaluate, {
    firstFailure: (data: Record<string, unknown>) => firstFailureOf(nodes, data),
  });
}

/** The first failure among `nodes`, each evaluated only until one fails ("all"). */
function firstFailureOf(nodes: readonly CompiledNode[], data: Record<string, unknown>): FailedCondition | undefined {
  for (const node of nodes) {
    const failure = node.failure(data);
    if (failure !== undefined) return failure;
  }
  return undefined;
}

function compileNode(condition: Condition, index: number): CompiledNode {
  if (condition.type === 'all' || condition.type === 'any') {
    const children = condition.conditions.map(compileNode);
    const all = condition.type === 'all';
    const type = condition.type;
    return {
      outcome: (data) => {
        const outcomes = children.map((child) => child.outcome(data));
        const passed = all ? outcomes.every((o) => o.passed) : outcomes.some((o) => o.passed);
        return { index, type, expected: undefined, actual: undefined, passed, conditions: outcomes };
      },
      // The first condition inside that did not pass; an "any" that failed with none inside is its own failure.
      failure: all
        ? (data) => firstFailureOf(children, data)
        : (data) => {
            let first: FailedCondition | undefined;
            for (const child of children) {
              const failure = child.failure(data);
              if (failure === undefined) return undefined;
              first ??= failure;
            }
            return first ?? { index, type, expected: undefined, actual: undefined };
          },
    };
  }
  if (condition.type === 'changed' || condition.type === 'changed_to' || condition.type === 'changed_from') {
    // The modules put a change's before and after on the event as old_<field> / new_<field>.
    const [oldPath, newPath] = [[`old_${condition.field}`], [`new_${condition.field}`]];
    const { type, field } = condition;
    const expected = condition.type === 'changed' ? undefined : recordable(condition.value);
    const holds = checkFor(condition);
    const read = (data: Record<string, unknown>) => ({ old: readPath(data, oldPath), new: readPath(data, newPath) });
    const seen = (actual: Change) => ({ old: recordable(actual.old), new: recordable(actual.new) });
    return {
      outcome: (data) => {
        const actual = read(data);
        return { index, type, field, expected, actual: seen(actual), passed: holds(actual) };
      },
      failure: (data) => {
        const actual = read(data);
        return holds(actual) ? undefined : { index, type, field, expected, actual: seen(actual) };
      },
    };
  }
  const leaf = condition as Exclude<LeafCondition, { type: 'changed' | 'changed_to' | 'changed_from' }>;
  const field = leaf.type === 'value_threshold' ? (leaf.field ?? 'value') : leaf.field;
  const segments = field.split('.');
  const { type } = leaf;
  // Recorded on every execution: bounded once here, like the values conditions see.
  const expected = recordable(leaf.value);
  const holds = checkFor(leaf);
  return {
    outcome: (data) => {
      const actual = readPath(data, segments);
      return { index, type, field, expected, actual: recordable(actual), passed: holds(actual) };
    },
    failure: (data) => {
      const actual = readPath(data, segments);
      return holds(actual) ? undefined : { index, type, field, expected, actual: recordable(actual) };
    },
  };
}

const MAX_RECORDED_STRING = 1000;
const MAX_RECORDED_ITEMS = 50;

/**
 * The value a condition saw, as the execution records it. Small values are kept as they are;
 * a long string is cut, and a large array or any object is summarised, so that one big field
 * read by many conditions cannot blow an execution up to megabytes.
 */
function recordable(value: unknown): unknown {
  if (typeof value === 'string') return value.length <= MAX_RECORDED_STRING ? value : `${value.slice(0, MAX_RECORDED_STRING)}… (${value.length} characters)`;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value) && value.length <= MAX_RECORDED_ITEMS && value.every((item) => item === null || (typeof item !== 'object' && String(item).length <= 100))) {
    return value;
  }
  return Array.isArray(value) ? { summary: 'array', length: value.length } : { summary: 'object', keys: Object.keys(value).length };
}


function checkFor(condition: LeafCondition): Check {
  switch (condition.type) {
    case 'value_threshold': {
      const threshold = condition.value;
      return (actual) => typeof actual === 'number' && actual >= threshold;
    }
    case 'equals': {
      const expected = condition.value;
      return (actual) => actual !== undefined && actual === expected;
    }
    case 'not_equals': {
      const expected = condition.value;
      return (actual) => actual !== undefined && actual !== expected;
    }
    case 'greater_than':
      return ordering(condition.value, (c) => c > 0);
    case 'greater_than_or_equal':
      return ordering(condition.value, (c) => c >= 0);
    case 'less_than':
      return ordering(condition.value, (c) => c < 0);
    case 'less_than_or_equal':
      return ordering(condition.value, (c) => c <= 0);
    case 'contains': {
      const expected = condition.value;
      return (actual) => {
        if (typeof actual === 'string') return typeof expected === 'string' && actual.includes(expected);
        return Array.isArray(actual) && actual.includes(expected);
      };
    }
    case 'in': {
      const allowed = condition.value as readonly unknown[];
      // A Set answers as Array#includes does (SameValueZero) for the scalars a rule can hold.
      const set = new Set(allowed);
      return (actual) => actual !== undefined && set.has(actual);
    }
    case 'exists': {
      const wanted = condition.value;
      return (actual) => (actual !== undefined && actual !== null) === wanted;
    }
    case 'changed':
      return changed;
    case 'changed_to': {
      const expected = condition.value;
      return (actual) => changed(actual) && (actual as Change).new === expected;
    }
    case 'changed_from': {
      const expected = condition.value;
      return (actual) => changed(actual) && (actual as Change).old === expected;
    }
    default: {
      const unreachable: never = condition;
      return unreachable;
    }
  }
}

interface Change {
  old: unknown;
  new: unknown;
}

/** A change needs a new value that differs from the old one; an event with neither is no change. */
function changed(actual: unknown): boolean {
  const change = actual as Change;
  return change.new !== undefined && change.old !== change.new;
}

/** Numbers compare with numbers, strings with strings (so ISO dates order correctly); nothing else. */
function ordering(expected: number | string, accept: (comparison: number) => boolean): Check {
  if (typeof expected === 'number') return (actual) => typeof actual === 'number' && accept(actual - expected);
  return (actual) => typeof actual === 'string' && accept(actual < expected ? -1 : actual > expected ? 1 : 0);
}

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_$-]+(?:\.[A-Za-z0-9_$-]+)*)\s*\}\}/g;

/** The placeholder paths a template names, in order, each once. */
export function placeholdersOf(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((match) => match[1]!))];
}

type TemplatePart = string | { path: string; segments: readonly string[] };

/** Parses `{{path}}` placeholders once; rendering then only reads values and joins. */
export function compileTemplate(template: string): (context: Record<string, unknown>, missing: string[]) => string {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(template.slice(last, match.index));
    const path = match[1]!;
    parts.push({ path, segments: path.split('.') });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push(template.slice(last));
  if (parts.every((part) => typeof part === 'string')) return () => template;
  return (context, missing) => {
    let out = '';
    for (const part of parts) {
      // Past the longest any parameter may be, the action fails its check anyway: stop
      // building the string rather than let a big field times many placeholders grow it.
      if (out.length > MAX_RENDERED_LENGTH) return out.slice(0, MAX_RENDERED_LENGTH + 1);
      if (typeof part === 'string') {
        out += part;
        continue;
      }
      const found = readPath(context, part.segments);
      if (found === undefined || found === null) missing.push(part.path);
      else out += typeof found === 'object' ? JSON.stringify(found) : String(found);
    }
    return out.length > MAX_RENDERED_LENGTH ? out.slice(0, MAX_RENDERED_LENGTH + 1) : out;
  };
}

/** The longest parameter an action accepts (a message or description); see the action contracts. */
const MAX_RENDERED_LENGTH = 10_000;

type CompiledValue = (context: Record<string, unknown>, missing: string[]) => unknown;

/**
 * Strings anywhere inside objects and arrays are templates too (a webhook's headers and JSON
 * body); other values are kept as they are.
 */
function compileValue(raw: unknown): CompiledValue | unknown {
  if (typeof raw === 'string') return compileTemplate(raw);
  if (Array.isArray(raw)) {
    const items = raw.map(compileValue);
    if (items.every((item) => typeof item !== 'function')) return raw;
    return (context: Record<string, unknown>, missing: string[]) => items.map((item) => (typeof item === 'function' ? (item as CompiledValue)(context, missing) : item));
  }
  if (raw !== null && typeof raw === 'object') {
    const entries = Object.entries(raw).map(([key, value]) => [key, compileValue(value)] as const);
    if (entries.every(([, value]) => typeof value !== 'function')) return raw;
    return (context: Record<string, unknown>, missing: string[]) => {
      const out: Record<string, unknown> = {};
      for (const [key, value] of entries) out[key] = typeof value === 'function' ? (value as CompiledValue)(context, missing) : value;
      return out;
    };
  }
  return raw;
}

/** Compiles every string parameter of an action; the result renders as renderParameters does. */
export function compileParameters<P extends Record<string, unknown>>(parameters: P): CompiledParameters<P> {
  const entries = Object.entries(parameters).map(([key, raw]) => [key, compileValue(raw)] as const);
  return (context) => {
    const missing: string[] = [];
    const value: Record<string, unknown> = {};
    for (const [key, compiled] of entries) {
      const rendered = typeof compiled === 'function' ? (compiled as CompiledValue)(context, missing) : compiled;
      // A template that rendered to nothing leaves its parameter out: an optional one is then
      // simply absent, and only a required one fails the action's check.
      if (rendered !== '') value[key] = rendered;
    }
    return { value: value as P, missing: [...new Set(missing)] };
  };
}
