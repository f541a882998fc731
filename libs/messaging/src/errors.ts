/**
 * A message that can never succeed (invalid, unknown tenant or trigger): the consumer
 * dead-letters it at once with this reason instead of retrying.
 */
export class PermanentMessageError extends Error {
  override readonly name: string = 'PermanentMessageError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The broker did not confirm a publish (unreachable, nacked, or no confirm within the timeout). */
export class PublishError extends Error {
  override readonly name = 'PublishError';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

/**
 * Not a failure: thrown by a handler of a two-lane subscription (`engine.events`,
 * `executor.actions`) to move the message to its stage's deferred lane. The bus publishes a copy
 * there, confirmed, and then acks the original; it counts no attempt and loses nothing.
 */
export class DeferMessage extends Error {
  override readonly name = 'DeferMessage';
  constructor(message = 'deferred to the later lane') {
    super(message);
  }
}
