import { createInterface } from 'node:readline/promises';

/**
 * Asks on stderr and reads one answer from stdin; only y or yes confirms. A closed or empty
 * stdin (a script, a CI job) answers no, so a destructive command never runs unasked.
 */
export async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: Boolean(process.stdin.isTTY) });
  try {
    const answer = await Promise.race([rl.question(question), new Promise<string>((resolve) => rl.once('close', () => resolve('')))]);
    return /^\s*y(es)?\s*$/i.test(answer);
  } finally {
    rl.close();
  }
}
