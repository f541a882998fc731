import { z } from 'zod';
import { ActionCommandSchema } from './action-command.ts';
import { IsoDateTimeSchema } from './common.ts';
import { ListEntitiesQuerySchema, type EntityPage, type ListEntitiesQuery } from './entity.ts';
import { TenantIdSchema } from './tenant.ts';

export const ScheduledStateSchema = z.enum(['pending', 'published', 'cancelled']);
export type ScheduledState = z.infer<typeof ScheduledStateSchema>;

/**
 * An action command waiting in the store for its time. Its id is the command id, so the engine
 * recording it again on a redelivered event changes nothing.
 */
export const ScheduledActionSchema = z.object({
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  rule_id: z.uuid(),
  execution_id: z.uuid(),
  action_index: z.number().int().min(0),
  type: z.string(),
  run_at: IsoDateTimeSchema,
  state: ScheduledStateSchema,
  run_if_rule_inactive: z.boolean(),
  /** Why it was cancelled. */
  reason: z.string().optional(),
  /** When the triggering event happened (sent on as the command's event-time header). */
  event_time: IsoDateTimeSchema,
  command: ActionCommandSchema,
  created_at: IsoDateTimeSchema,
  updated_at: IsoDateTimeSchema,
});
export type ScheduledAction = z.infer<typeof ScheduledActionSchema>;

/** Query of `GET /api/v1/scheduled`: a page, as for entities. */
export const ListScheduledQuerySchema = ListEntitiesQuerySchema;
export type ListScheduledQuery = ListEntitiesQuery;

export type ScheduledPage = EntityPage<ScheduledAction>;
