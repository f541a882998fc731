import type { MessageBus } from '@flowline/messaging';
import type { Logger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import type { Running } from '@flowline/runtime';
import type { Stores } from '@flowline/storage';
import { EventProcessor } from './domain/event-processor.ts';

/** Subscribes an engine to `engine.events`; several engines share the queue. */
export async function startEngine(deps: { stores: Stores; bus: MessageBus; logger: Logger; loopGuardMaxDepth?: number }): Promise<Running> {
  const processor = new EventProcessor({ ...deps, catalogue });
  const subscription = await deps.bus.subscribe('engine.events', (message) => processor.process(message));
  deps.logger.info('engine consuming engine.events');
  return { stop: () => subscription.cancel() };
}
