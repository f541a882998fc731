export { deleteTopology } from './delete-topology.ts';
export type {
  BatchHandler,
  BatchOptions,
  BroadcastHandler,
  DeadLetter,
  HeaderValue,
  IncomingMessage,
  MessageBus,
  GiveUp,
  MessageHandler,
  OutgoingMessage,
  SubscribeOptions,
  Subscription,
} from './message-bus.ts';
export {
  actionRoutingKey,
  BROADCASTS,
  defineTopology,
  eventRoutingKey,
  HEADERS,
  LANED_SUBSCRIPTIONS,
  routableTenantOf,
  TENANT_HEADER_SPELLINGS,
  type Lane,
  type LanedSubscription,
  type LaneSpec,
  type ExchangeBindingSpec,
  PUBLICATIONS,
  SUBSCRIPTIONS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY_DELAY,
  retryDelaySteps,
  type RetryOptions,
  type RetryQueueRef,
  type BindingSpec,
  type BroadcastName,
  type BroadcastSpec,
  type ExchangeSpec,
  type ExchangeType,
  type PublicationName,
  type PublicationSpec,
  type QueueSpec,
  type SubscriptionName,
  type SubscriptionSpec,
  type Topology,
} from './topology.ts';
export { DeferMessage, PermanentMessageError, PublishError } from './errors.ts';
export { decodeMessage } from './decode-message.ts';
export { deferralOf, type RetryDelayOptions } from './delivery-policy.ts';
export { AmqpBus, type AmqpBusOptions, type ReadyOptions } from './amqp-bus.ts';
export { stageQueuesOf, type StageQueues } from './stage-queues.ts';
export { InMemoryBus, type InMemoryBusOptions } from './in-memory-bus.ts';
export { createMessageBus, type CreateMessageBusOptions } from './create-message-bus.ts';
export { DeadLetterAdmin, type DeadLetterAdminOptions, type DeadLetterQueues, type PeekedDeadLetter, type ReplayProgress } from './dead-letter-admin.ts';
export { DEAD_LETTER_QUEUES, describeDeadLetter, type DeadLetterView } from './dead-letter-view.ts';
export { messageFor, publishPayload, type PublicationPayloads, type PublishContext } from './publications.ts';
export { assertPublishable, MAX_MESSAGE_BYTES, UnpublishableMessageError } from './wire-limits.ts';
export { BROKER_ROLES, brokerDefinitions, brokerPermissions, rabbitPasswordHash, type BrokerPermission, type BrokerRole, type BrokerUser } from './broker-users.ts';
