/**
 * Thrown by a handler that must try again at a set time (a receiver's Retry-After, a tenant with
 * no free slot): the command goes back to the schedule in the store and the message is acked,
 * so the wait holds no consumer and spends none of the bus's delivery attempts.
 */
export class DeferError extends Error {
  override readonly name = 'DeferError';
  readonly runAt: Date;
  constructor(runAt: Date, reason: string) {
    super(reason);
    this.runAt = runAt;
  }
}
