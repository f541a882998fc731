import { z } from 'zod';
import { ModuleTypeSchema } from '@flowline/contracts';

/** Inputs of the routes that have no schema in the contracts lib; shared with the OpenAPI document. */
export const RuleIdParamsSchema = z.object({ rule_id: z.uuid('must be a rule id (UUID)') });
export const NoQuerySchema = z.strictObject({});
export const ListTriggersQuerySchema = z.strictObject({ module_type: ModuleTypeSchema.optional() });
