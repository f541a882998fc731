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

export const ConditionSchema = z.discriminatedUnion('type', [
  ValueThresholdConditionSchema,
  EqualityConditionSchema,
  OrderingConditionSchema,
  ContainsConditionSchema,
  InConditionSchema,
  ExistsConditionSchema,
]);

export type Condition = z.infer<typeof ConditionSchema>;
export type ConditionType = Condition['type'];

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
