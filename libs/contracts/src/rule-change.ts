import { z } from 'zod';
import { TriggerIdSchema } from './common.ts';
import { TenantIdSchema } from './tenant.ts';

/**
 * Broadcast to every engine after a rule is created, updated, toggled or deleted, so that each
 * drops what it cached for the rule's tenant and trigger. A notice only: the store stays the truth.
 */
export const RuleChangeSchema = z.strictObject({
  tenant_id: TenantIdSchema,
  trigger_id: TriggerIdSchema,
  rule_id: z.uuid(),
  change: z.enum(['created', 'updated', 'toggled', 'deleted']),
});
export type RuleChange = z.infer<typeof RuleChangeSchema>;
