import { randomUUID } from 'node:crypto';
import { ActionCommandSchema, type ActionCommand, type TenantId } from '@flowline/contracts';

/** A valid action command of one type for tests, with fresh ids. */
export function commandOf<T extends ActionCommand['type']>(
  tenant: TenantId,
  type: T,
  parameters: Extract<ActionCommand, { type: T }>['parameters'],
  overrides: Partial<Pick<ActionCommand, 'causation_depth' | 'correlation_id'>> = {},
): Extract<ActionCommand, { type: T }> {
  return ActionCommandSchema.parse({
    id: randomUUID(),
    tenant_id: tenant,
    rule_id: randomUUID(),
    event_id: randomUUID(),
    execution_id: randomUUID(),
    action_index: 0,
    correlation_id: 'c',
    causation_depth: 0,
    issued_at: new Date().toISOString(),
    type,
    parameters,
    ...overrides,
  }) as Extract<ActionCommand, { type: T }>;
}
