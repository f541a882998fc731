import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TurnBatch } from '../src/domain/turn-batch.ts';

describe('TurnBatch', () => {
  it('when items are added in one turn, then they are written in one call after it; items of a later turn go in a call of their own', async () => {
    const calls: number[][] = [];
    const batch = new TurnBatch<number>(async (items) => void calls.push(items));
    const first = [batch.add(1), batch.add(2), batch.add(3)];
    expect(calls).toEqual([]);
    await Promise.all(first);
    await batch.add(4);
    expect(calls).toEqual([[1, 2, 3], [4]]);
  });

  it('when a write fails, then every item of that group is rejected with its error and the next group is written afresh', async () => {
    let fail = true;
    const batch = new TurnBatch<number>(async () => {
      if (fail) throw new Error('store down');
    });
    const outcomes = await Promise.allSettled([batch.add(1), batch.add(2)]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    await nextTurn();
    await expect(batch.add(3)).resolves.toBeUndefined();
  });

  it('when the write throws synchronously, then the group is rejected, not lost', async () => {
    const batch = new TurnBatch<number>(() => {
      throw new Error('bad');
    });
    await expect(batch.add(1)).rejects.toThrow('bad');
  });
});
