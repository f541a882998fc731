import { PublishError } from './errors.ts';

/** The wire form of a message body; a body JSON cannot represent is the publisher's bug. */
export function encodeBody(body: unknown): Buffer {
  let json: string | undefined;
  try {
    json = JSON.stringify(body);
  } catch (error) {
    throw new PublishError('the message body cannot be serialised as JSON', { cause: error });
  }
  if (json === undefined) throw new PublishError('the message body cannot be serialised as JSON');
  return Buffer.from(json);
}
