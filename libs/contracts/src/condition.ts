import { z } from 'zod';
import { FieldPathSchema, ScalarSchema } from './common.ts';

/** Sales: matches when the numeric `field` (default `value`) is at least `value`. */
export const ValueThresholdConditionSchema = z.strictObject({
  type: z.literal('value_threshold'),
  field: FieldPathSchema.optional(),
  value: z.number().finite(),
});

export const EqualityConditionSchema = z.strictObject({
  type: z.enum(['equals', 'not_equals']),
  field: FieldPathSchema,
  value: ScalarSchema,
});

/** Numbers compare numerically; strings (e.g. ISO dates) compare lexically. */
export const OrderingConditionSchema = z.strictObject({
  type: z.enum(['greater_than', 'greater_than_or_equal', 'less_than', 'less_than_or_equal']),
  field: FieldPathSchema,
  value: z.union([z.number().finite(), z.string().max(1000)]),
});

/** A string field containing a substring, or an array field containing an element. */
export const ContainsConditionSchema = z.strictObject({
  type: z.literal('contains'),
  field: FieldPathSchema,
  value: ScalarSchema,
});

export const InConditionSchema = z.strictObject({
  type: z.literal('in'),
  field: FieldPathSchema,
  value: z.array(ScalarSchema).min(1).max(1000),
});

/** `value: false` asks for the field to be absent (or null). */
export const ExistsConditionSchema = z.strictObject({
  type: z.literal('exists'),
  field: FieldPathSchema,
  value: z.boolean().default(true),
});

/** The fields whose old and new values the modules put on events, as `old_<field>` / `new_<field>`. */
export const ChangeFieldSchema = z.enum(['status', 'stage']);
export type ChangeField = z.infer<typeof ChangeFieldSchema>;

/** CRM and Sales: `old_<field>` and `new_<field>` on the event differ. */
export const ChangedConditionSchema = z.strictObject({
  type: z.literal('changed'),
  field: ChangeFieldSchema,
});

/** CRM and Sales: the field changed, to (or from) `value`. */
export const ChangedValueConditionSchema = z.strictObject({
  type: z.enum(['changed_to', 'changed_from']),
  field: ChangeFieldSchema,
  value: ScalarSchema,
});

/** How deep `all` / `any` groups may nest: deeper rules are unreadable, not more useful. */
export const MAX_CONDITION_NESTING = 4;

type LeafCondition =
  | z.infer<typeof ValueThresholdConditionSchema>
  | z.infer<typeof EqualityConditionSchema>
  | z.infer<typeof OrderingConditionSchema>
  | z.infer<typeof ContainsConditionSchema>
  | z.infer<typeof InConditionSchema>
  | z.infer<typeof ExistsConditionSchema>
  | z.infer<typeof ChangedConditionSchema>
  | z.infer<typeof ChangedValueConditionSchema>;

/** `all`: every condition holds; `any`: at least one does. Groups may nest. */
export interface ConditionGroup {
  type: 'all' | 'any';
  conditions: Condition[];
}
export type Condition = LeafCondition | ConditionGroup;

export const ConditionGroupSchema = z.strictObject({
  type: z.enum(['all', 'any']),
  get conditions(): z.ZodArray<z.ZodType<Condition>> {
    return z.array(ConditionSchema).min(1).max(50);
  },
});

export const ConditionSchema: z.ZodType<Condition> = z.discriminatedUnion('type', [
  ValueThresholdConditionSchema,
  EqualityConditionSchema,
  OrderingConditionSchema,
  ContainsConditionSchema,
  InConditionSchema,
  ExistsConditionSchema,
  ChangedConditionSchema,
  ChangedValueConditionSchema,
  ConditionGroupSchema,
]).meta({ id: 'Condition', description: 'A condition, or an all/any group of them.' });

export type ConditionType = Condition['type'];

/** Condition types on what changed, which only events of a change carry data for. */
export const CHANGE_CONDITION_TYPES = ['changed', 'changed_to', 'changed_from'] as const satisfies readonly ConditionType[];
export const GROUP_CONDITION_TYPES = ['all', 'any'] as const satisfies readonly ConditionType[];

/** Condition types every module accepts; modules add their own (see libs/rules). */
export const GENERIC_CONDITION_TYPES = [
  'equals',
  'not_equals',
  'greater_than',
  'greater_than_or_equal',
  'less_than',
  'less_than_or_equal',
  'contains',
  'in',
  'exists',
] as const satisfies readonly ConditionType[];
