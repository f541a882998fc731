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
