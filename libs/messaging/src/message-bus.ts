import type { BroadcastName, Lane, LanedSubscription, PublicationName, SubscriptionName } from './topology.ts';

export type HeaderValue = string | number | boolean;

export interface OutgoingMessage {
  routingKey: string;
  /** Serialised as JSON. */
  body: unknown;
  messageId: string;
  correlationId?: string;
  headers?: Record<string, HeaderValue>;
}

export interface IncomingMessage {
  routingKey: string;
  /** The raw bytes: a consumer must validate before it trusts anything in them. */
  content: Buffer;
  headers: Record<string, unknown>;
  messageId?: string;
  correlationId?: string;
  /**
   * 1 on first delivery. Counts every delivery of this message so far: those that failed and went
   * through a retry queue (`x-flowline-attempts`) plus those the broker redelivered after a
   * consumer died holding it (quorum queues' `x-delivery-count`).
   */
  deliveryCount: number;
  /** When it was first published (ms since the epoch; whole seconds on RabbitMQ), if its publisher said. */
  publishedAt?: number;
}

/**
 * Handles one message. Returning acks it. Throwing a {@link PermanentMessageError} dead-letters
 * it at once with the reason; throwing a {@link DeferMessage} moves it to its stage's deferred
 * lane; throwing anything else is treated as transient and the message
 * waits in a retry queue for a growing delay and is delivered again, until the attempts run out
 * and it is dead-lettered with the last reason.
 */
export type MessageHandler = (message: IncomingMessage) => Promise<void>;

/**
 * Handles the messages that have already arrived, as one batch (never waiting for more to
 * come): one promise per message, in order, and each settles its own message exactly as a
 * {@link MessageHandler}'s would. A batch lets a consumer share one store transaction among
 * its messages; it must not let one message's failure fail the others.
 */
export type BatchHandler = (messages: readonly IncomingMessage[]) => ReadonlyArray<Promise<void>>;

export interface BatchOptions extends SubscribeOptions {
  /**
   * Most messages in one batch; what arrived beyond it waits for the next batch.
   * @defaultValue the bus's prefetch
   */
  maxBatch?: number;
}

/** Why a message was given up: `permanent` when its handler said so, else its attempts ran out. */
export interface GiveUp {
  reason: string;
  /** Deliveries so far, all failed. */
  attempts: number;
  permanent: boolean;
}

export interface SubscribeOptions {
  /**
   * Unacknowledged messages this subscription holds at once (a deferred lane takes fewer than its
   * main lane, so that it gets a bounded share of the consumer while the main lane has work).
   * @defaultValue the bus's prefetch
   */
  prefetch?: number;
  /**
   * Called once for a message that is about to be dead-lettered, so that whatever waits for
   * its outcome can be told. Awaited before the dead-letter copy is published; a failure here
   * is logged and does not keep the message from being dead-lettered.
   */
  onGiveUp?(message: IncomingMessage, giveUp: GiveUp): Promise<void>;
}

/**
 * Receives a broadcast. Broadcasts are notices (e.g. "this tenant's rules changed"), not work:
 * a handler that throws is logged and the message dropped, never retried or dead-lettered.
 */
export interface BroadcastHandler {
  onMessage(message: IncomingMessage): Promise<void> | void;
  /**
   * Called when notices may have been missed: the subscriber's queue went with a lost
   * connection and has just been declared again. Whatever the notices keep fresh must be
   * treated as stale.
   */
  onGap(): void;
}

export interface Subscription {
  /** Stops taking new messages and resolves when those in flight are settled. */
  cancel(): Promise<void>;
}

export interface DeadLetter {
  content: Buffer;
  /** The routing key the message was originally published with. */
  routingKey: string;
  headers: Record<string, unknown>;
  /** Why it was dead-lettered (header `x-flowline-reason`). */
  reason: string;
}

/** The transport both the RabbitMQ bus and the in-memory bus implement. */
export interface MessageBus {
  /** Resolves once the broker has confirmed the message; rejects with a PublishError otherwise. */
  publish(publication: PublicationName, message: OutgoingMessage): Promise<void>;
  subscribe(subscription: SubscriptionName, handler: MessageHandler, options?: SubscribeOptions): Promise<Subscription>;
  /** As subscribe, with the messages already delivered handed over in batches. */
  subscribeBatch(subscription: SubscriptionName, handler: BatchHandler, options?: BatchOptions): Promise<Subscription>;
  /** Every broadcast subscriber, in this process or any other, gets each message published to the broadcast's publication. */
  subscribeBroadcast(broadcast: BroadcastName, handler: BroadcastHandler): Promise<Subscription>;
  /**
   * Routes a tenant's messages for a stage, from now on, to its `deferred` lane (demotion) or back
   * to its `main` lane (promotion). Idempotent, and shared by every process on the same broker:
   * any of them may demote or promote. Only messages that carry the `x-tenant-id` header are
   * routed by it.
   */
  setTenantLane(subscription: LanedSubscription, tenant: string, lane: Lane): Promise<void>;
  /** Removes and returns up to `max` dead letters of a subscription's queue, oldest first. */
  takeDeadLetters(subscription: SubscriptionName, max: number): Promise<DeadLetter[]>;
  isConnected(): boolean;
  close(): Promise<void>;
}
