import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PUBLISH_ID_HEADER, ReturnedMessages } from '../src/returned-messages.ts';

/** What amqplib emits for a basic.return of a publish carrying `id`. */
const returnOf = (id: string) => ({ properties: { headers: { [PUBLISH_ID_HEADER]: id } } });

describe('ReturnedMessages', () => {
  it('when a publish is returned before its confirm, then wasReturned says so once and nothing stays held', () => {
    const channel = new EventEmitter();
    const returned = new ReturnedMessages();
    returned.watch(channel);
    const { id, options } = returned.mandatory({ headers: { a: 1 } });
    expect(options).toMatchObject({ mandatory: true, headers: { a: 1, [PUBLISH_ID_HEADER]: id } });

    channel.emit('return', returnOf(id));

    expect(returned.wasReturned(id)).toBe(true);
    expect(returned.wasReturned(id)).toBe(false);
    expect(returned.tracked).toBe(0);
  });

  it('when publishes fail (returned or not) and are forgotten, then no id is held, and a return arriving late is ignored', () => {
    const channel = new EventEmitter();
    const returned = new ReturnedMessages();
    returned.watch(channel);
    const ids = Array.from({ length: 100 }, () => returned.mandatory({}).id);
    for (const id of ids.slice(0, 50)) channel.emit('return', returnOf(id));

    for (const id of ids) returned.forget(id);
    for (const id of ids.slice(50)) channel.emit('return', returnOf(id));

    expect(returned.tracked).toBe(0);
  });
});
