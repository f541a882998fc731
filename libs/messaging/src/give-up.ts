import type { Logger } from '@flowline/observability';
import type { GiveUp, IncomingMessage, SubscribeOptions } from './message-bus.ts';

/** Tells the subscriber a message is given up; its failure must not keep the message from the dead-letter queue. */
export async function notifyGiveUp(options: SubscribeOptions | undefined, message: IncomingMessage, giveUp: GiveUp, logger: Logger): Promise<void> {
  if (options?.onGiveUp === undefined) return;
  try {
    await options.onGiveUp(message, giveUp);
  } catch (error) {
    logger.error({ err: error, messageId: message.messageId, reason: giveUp.reason }, 'could not record that a message was given up');
  }
}
