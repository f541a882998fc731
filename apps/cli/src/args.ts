import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './cli-error.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * node:util parseArgs in strict mode, with `--help` on every command and its own errors
 * ("Unknown option '--qeue'") turned into usage errors instead of stack traces.
 */
export function parse<O extends Options>(argv: string[], command: string, options: O, allowPositionals = false) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message.replace(/\. To specify a positional argument.*$/s, '') : String(error);
    throw new UsageError(message, command);
  }
}

/** A positive whole number from an option, or undefined when the option is absent. */
export function positiveInteger(value: string | undefined, name: string, command: string): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new UsageError(`--${name} must be a positive whole number, not '${value.slice(0, 20)}'`, command);
  return number;
}
