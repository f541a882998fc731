import type { ChannelModel } from 'amqplib';

/** The parts of amqplib 0.10's connection this reaches into: its frame multiplexer and the socket it writes to. */
interface Multiplexer {
  _readIncoming?: () => void;
  out?: { cork?: () => void; uncork?: () => void };
}

const coalesced = new WeakSet<object>();

/**
 * Sends the frames amqplib writes in one pass as one socket write. Its multiplexer hands the socket
 * one frame at a time: a batch of 64 commands and their 64 acks was 128 system calls, and as many
 * small TCP segments for the broker to read. Corked for the pass, Node writes them with one `writev`.
 * Nothing waits for more frames; the pass is the one amqplib already schedules (setImmediate).
 *
 * Fewer, larger segments are less work for the broker as well as for this process; BENCHMARKS.md
 * (stop 20) gives what the bench could and could not show of it.
 *
 * @returns false when the connection is not built as this expects (another amqplib version, say):
 * frames then go out one by one, as before.
 */
export function coalesceSocketWrites(model: ChannelModel): boolean {
  const muxer = (model as unknown as { connection?: { muxer?: Multiplexer } }).connection?.muxer;
  const pass = muxer?._readIncoming;
  const socket = muxer?.out;
  if (muxer === undefined || typeof pass !== 'function' || typeof socket?.cork !== 'function' || typeof socket.uncork !== 'function') return false;
  if (coalesced.has(muxer)) return true;
  coalesced.add(muxer);
  muxer._readIncoming = function readIncomingCorked(this: Multiplexer) {
    socket.cork!();
    try {
      pass.call(this);
    } finally {
      socket.uncork!();
    }
  };
  return true;
}
