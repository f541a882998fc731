import { z } from 'zod';
import { CallWebhookActionSchema, CreateTaskActionSchema, SendNotificationActionSchema, UpdateStatusActionSchema } from './action.ts';
import { CanonicalUuidSchema, CorrelationIdSchema, IsoDateTimeSchema } from './common.ts';
import { TenantIdSchema } from './tenant.ts';

const ActionCommandBase = z.strictObject({
  /** {@link actionCommandId}(event_id, rule_id, action_index): redelivery keeps the id. */
  id: z.uuid(),
  tenant_id: TenantIdSchema,
  rule_id: z.uuid(),
  event_id: CanonicalUuidSchema,
  execution_id: z.uuid(),
  action_index: z.number().int().min(0),
  correlation_id: CorrelationIdSchema,
  causation_depth: z.number().int().min(0).max(1000),
  issued_at: IsoDateTimeSchema,
});

/** What the engine asks an executor to do, with its parameters already rendered. */
export const ActionCommandSchema = z.discriminatedUnion('type', [
  ActionCommandBase.extend(SendNotificationActionSchema.shape),
  ActionCommandBase.extend(UpdateStatusActionSchema.shape),
  ActionCommandBase.extend(CreateTaskActionSchema.shape),
  ActionCommandBase.extend(CallWebhookActionSchema.shape),
]);
export type ActionCommand = z.infer<typeof ActionCommandSchema>;
