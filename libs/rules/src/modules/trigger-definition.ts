import { z } from 'zod';
import type { DataField, DataFieldSpec } from './trigger-data.ts';
import { CHANGE_CONDITION_TYPES, GENERIC_CONDITION_TYPES, GROUP_CONDITION_TYPES, type ChangeField, type ConditionType, type ModuleType } from '@flowline/contracts';

/** A trigger as a management module declares it: what it means and the data it must carry. */
export interface TriggerDefinition {
  id: string;
  module_type: ModuleType;
  description: string;
  /** Field names, as listed by `GET /api/v1/automation/triggers`. */
  required_data: string[];
  /** Checks the required data; other fields are allowed and left alone. */
  dataSchema: z.ZodType<Record<string, unknown>>;
  /** Every field the module's events carry, required ones first. */
  data: DataField[];
}

export interface ModuleDefinition {
  module_type: ModuleType;
  triggers: TriggerDefinition[];
  /** Generic field conditions plus the module's own (e.g. Sales' `value_threshold`). */
  conditionTypes: readonly ConditionType[];
  /** The fields `changed`, `changed_to` and `changed_from` may name in this module. */
  changeFields: readonly ChangeField[];
}

/** Types of the fields modules require, so that `{"value": "lots"}` is refused at the door. */
export const field = {
  id: z.union([z.string().min(1).max(200), z.number().finite()]),
  text: z.string().min(1).max(1000),
  amount: z.number().finite(),
};

export function trigger(
  module_type: ModuleType,
  id: string,
  description: string,
  required: Record<string, z.ZodType>,
  carries: Record<string, DataFieldSpec>,
): TriggerDefinition {
  const missing = Object.keys(required).filter((name) => !(name in carries));
  // A programming error in a module: its description must cover what it requires.
  if (missing.length > 0) throw new Error(`trigger '${id}' requires ${missing.join(', ')} but does not describe them`);
  const names = [...Object.keys(required), ...Object.keys(carries).filter((name) => !(name in required))];
  return {
    id,
    module_type,
    description,
    required_data: Object.keys(required),
    // Only pass/fail is used: z.object ignores the other fields instead of copying them all,
    // which looseObject would do twice per event (api and engine).
    dataSchema: z.object(required) as z.ZodType<Record<string, unknown>>,
    data: names.map((name) => ({ name, ...carries[name]!, required: name in required })),
  };
}

export const genericConditionTypes: readonly ConditionType[] = [...GENERIC_CONDITION_TYPES, ...CHANGE_CONDITION_TYPES, ...GROUP_CONDITION_TYPES];
