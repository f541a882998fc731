#!/usr/bin/env node
/*
 * `flowline`: the operator's command line (dead letters, tokens, configuration, retention).
 * Errors are one readable line on stderr; --verbose adds the stack. Exit codes: 0 done,
 * 1 failed, 2 called wrongly.
 */
import { UsageError } from './cli-error.ts';

const HELP = `Usage: flowline <command> [options]

Commands:
  dlq list|inspect|replay|purge   dead letters of the engine or executor queue
  token                           mint a bearer token (JWT_SECRET) for a tenant
  config check                    validate the environment, print the effective settings (secrets masked)
  prune                           delete what is past retention now (RETENTION_DAYS and friends)

Options:
  -h, --help      help; also after any command (flowline dlq --help)
  -v, --verbose   stack traces with errors

Reads the same environment variables as the roles (see docs/configuration.md).`;

type Command = (argv: string[]) => Promise<void>;
// Loaded on use: `--help` and typos answer without loading the api, the broker client and the stores.
const COMMANDS: Record<string, () => Promise<Command>> = {
  dlq: async () => (await import('./commands/dlq.ts')).dlqCommand,
  token: async () => (await import('./commands/token.ts')).tokenCommand,
  config: async () => (await import('./commands/config-check.ts')).configCommand,
  prune: async () => (await import('./commands/prune.ts')).pruneCommand,
};

const argv = process.argv.slice(2);
const verbose = argv.some((arg) => arg === '--verbose' || arg === '-v');
const args = argv.filter((arg) => arg !== '--verbose' && arg !== '-v');
const name = args[0];

try {
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    if (name === undefined) process.exitCode = 2;
  } else {
    const load = COMMANDS[name];
    if (load === undefined) throw new UsageError(`unknown command '${name.slice(0, 40)}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    await (await load())(args.slice(1));
  }
} catch (error) {
  process.exitCode = report(error);
}

function report(error: unknown): number {
  const where = name && COMMANDS[name] ? `flowline ${name}` : 'flowline';
  if (verbose && error instanceof Error) console.error(error.stack);
  if (error instanceof UsageError) {
    console.error(`${where}: ${error.message}\n(flowline ${error.command ? `${error.command} ` : ''}--help shows how)`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (!verbose) console.error(`${where}: ${message.replace(/\s*\n\s*/g, ' ')}`);
  return 1;
}
