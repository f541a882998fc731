import { randomUUID } from 'node:crypto';
import amqplib, { type ChannelModel } from 'amqplib';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { coalesceSocketWrites } from '../src/coalesce-socket-writes.ts';
import { waitFor } from './support/wait-for.ts';

const amqpUrl = inject('amqpUrl');
const opened: ChannelModel[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((model) => model.close().catch(() => {})));
});

/** Counts the system-call-level writes of the connection's socket. */
function countWrites(model: ChannelModel): { writes: number } {
  const socket = (model as unknown as { connection: { stream: { _write: Function; _writev: Function } } }).connection.stream;
  const counter = { writes: 0 };
  const [write, writev] = [socket._write, socket._writev];
  socket._write = function (...args: unknown[]) {
    counter.writes += 1;
    return write.apply(this, args);
  };
  socket._writev = function (...args: unknown[]) {
    counter.writes += 1;
    return writev.apply(this, args);
  };
  return counter;
}

/** Publishes `count` messages in one turn of the event loop and waits until the queue has them all. */
async function publishInOneTurn(model: ChannelModel, count: number): Promise<void> {
  const channel = await model.createConfirmChannel();
  const { queue } = await channel.assertQueue(`flowline-coalesce-${randomUUID()}`, { exclusive: true });
  for (let i = 0; i < count; i++) channel.sendToQueue(queue, Buffer.from(`message ${i}`));
  await channel.waitForConfirms();
  await waitFor(async () => (await channel.checkQueue(queue)).messageCount === count, { what: `${count} messages in the queue` });
}

describe('coalesceSocketWrites', () => {
  it.each([1, 2])('when applied %i time(s) and a turn publishes 100 messages, then they leave in a few socket writes rather than one each', async (times) => {
    const model = await amqplib.connect(amqpUrl);
    opened.push(model);
    for (let i = 0; i < times; i++) expect(coalesceSocketWrites(model)).toBe(true);
    const counter = countWrites(model);

    await publishInOneTurn(model, 100);

    // The channel's open and the queue's declaration are a few writes of their own.
    expect(counter.writes).toBeLessThan(15);
  });

  it('when it is not applied, then the same publishes take a write each (what the test above would catch)', async () => {
    const model = await amqplib.connect(amqpUrl);
    opened.push(model);
    const counter = countWrites(model);

    await publishInOneTurn(model, 100);

    expect(counter.writes).toBeGreaterThanOrEqual(100);
  });

  it('when the connection is not built as amqplib 0.10 builds it, then it changes nothing and says so', () => {
    expect(coalesceSocketWrites({} as ChannelModel)).toBe(false);
    expect(coalesceSocketWrites({ connection: { muxer: {} } } as unknown as ChannelModel)).toBe(false);
  });
});
