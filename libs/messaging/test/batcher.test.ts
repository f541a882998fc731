import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/batcher.ts';
import type { IncomingMessage } from '../src/message-bus.ts';

const message = (n: number): IncomingMessage => ({ routingKey: 'k', content: Buffer.from(String(n)), headers: {}, deliveryCount: 1 });

function batcherOf(maxBatch: number) {
  const batches: number[][] = [];
  const settled: number[] = [];
  let held = 0;
  const batcher = new Batcher<number>({
    maxBatch,
    handler: (messages) => {
      batches.push(messages.map((m) => Number(m.content.toString())));
      return messages.map(() => Promise.resolve());
    },
    toMessage: message,
    settle: async (delivery, _message, outcome) => {
      await outcome;
      settled.push(delivery);
    },
    onUnexpected: (error) => {
      throw error;
    },
    hold: () => {
      held += 1;
      return () => (held -= 1);
    },
  });
  return { batcher, batches, settled, held: () => held };
}

describe('Batcher', () => {
  it('when more deliveries arrive in one turn than a batch holds, then one batch is handled per turn, so the first batch can go out before the next is worked on', async () => {
    const { batcher, batches, settled, held } = batcherOf(2);
    for (let n = 1; n <= 5; n += 1) batcher.add(n);
    expect(batches).toEqual([]);

    await nextTurn();
    expect(batches).toEqual([[1, 2]]);
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3, 4]]);
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);

    await batcher.drain();
    expect(settled.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(held()).toBe(0);
  });

  it('when draining with deliveries still waiting for their turn, then every one is handled and settled', async () => {
    const { batcher, batches, settled, held } = batcherOf(2);
    for (let n = 1; n <= 5; n += 1) batcher.add(n);

    await batcher.drain();

    expect(batches.flat()).toEqual([1, 2, 3, 4, 5]);
    expect(settled.sort()).toEqual([1, 2, 3, 4, 5]);
    expect(held()).toBe(0);
    // The turn scheduled before the drain finds nothing left to do, and hands over no empty batch.
    await nextTurn();
    expect(batches).toEqual([[1, 2], [3, 4], [5]]);
  });
});
