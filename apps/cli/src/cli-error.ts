/** A mistake in how the command was called: printed with a pointer to the help, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  /** The command whose `--help` to point at, e.g. `dlq`. */
  readonly command: string;

  constructor(message: string, command = '') {
    super(message);
    this.command = command;
  }
}

/** The command ran and could not do what was asked (nothing confirmed, nothing to reach): exit code 1. */
export class CommandError extends Error {
  override readonly name = 'CommandError';
}
