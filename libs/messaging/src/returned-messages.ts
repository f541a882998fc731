import { randomUUID } from 'node:crypto';

/** Ties a broker's basic.return to the publish it answers. */
export const PUBLISH_ID_HEADER = 'x-flowline-publish-id';

/**
 * Publishes are `mandatory`: a message that reaches no queue (one deleted at run time, say) is
 * returned by the broker instead of being confirmed and silently dropped. The broker sends the
 * return before the confirm of the same message on the same channel, so once a publish is
 * confirmed, {@link ReturnedMessages.wasReturned} tells whether it actually went anywhere.
 */
export class ReturnedMessages {
  /** Publishes still waiting for their confirm; a return for any other id is ignored. */
  readonly #open = new Set<string>();
  readonly #returned = new Set<string>();

  /** Listens for returns on a channel that publishes; call once per (re)opened channel. */
  watch(channel: { on(event: 'return', listener: (message: { properties: { headers?: Record<string, unknown> } }) => void): unknown }): void {
    channel.on('return', (message) => {
      const id = message.properties.headers?.[PUBLISH_ID_HEADER];
      if (typeof id === 'string' && this.#open.has(id)) this.#returned.add(id);
    });
  }

  /** Options for one mandatory publish: its own id in the headers. Settle it with wasReturned or forget. */
  mandatory<O extends { headers?: Record<string, unknown> }>(options: O): { id: string; options: O & { mandatory: true } } {
    const id = randomUUID();
    this.#open.add(id);
    return { id, options: { ...options, mandatory: true, headers: { ...options.headers, [PUBLISH_ID_HEADER]: id } } };
  }

  /** After the confirm: true (once) when the broker returned that publish as unroutable. */
  wasReturned(id: string): boolean {
    this.#open.delete(id);
    return this.#returned.delete(id);
  }

  /** For a publish that failed: nothing about it is kept, and a return that comes late is ignored. */
  forget(id: string): void {
    this.#open.delete(id);
    this.#returned.delete(id);
  }

  /** Publish ids held, open or returned; stays bounded by the publishes in flight. */
  get tracked(): number {
    return this.#open.size + this.#returned.size;
  }
}
