import { loadConfig } from '@flowline/config';
import { parse } from '../args.ts';
import { UsageError } from '../cli-error.ts';

export const CONFIG_HELP = `Usage: flowline config check

Validates the environment as every role does at start-up and prints the effective settings
(defaults filled in), secrets masked. Exit code 1, with one line naming each bad variable,
when a role would refuse to start.

Options:
  -h, --help   this help`;

/** Shown only as set or unset. */
const SECRET = /SECRET|PASSWORD|TOKEN/;

export async function configCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, 'config', {}, true);
  if (values.help) return void console.log(CONFIG_HELP);
  if (positionals[0] !== 'check' || positionals.length > 1) throw new UsageError(`unknown config command '${(positionals[0] ?? '').slice(0, 40)}': use check`, 'config');
  const config = loadConfig();
  for (const [name, value] of Object.entries(config).sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${name}=${masked(name, value)}`);
  }
  console.error('configuration is valid');
}

function masked(name: string, value: unknown): string {
  if (value === undefined) return '';
  if (SECRET.test(name)) return '********';
  const text = Array.isArray(value) ? value.join(',') : String(value);
  // A URL's password (amqp://user:secret@host) is a secret too.
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@]*):[^@/]*@/i, '$1:********@');
}
