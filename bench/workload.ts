import { randomUUID } from 'node:crypto';
import type { EventEnvelopeInput, Rule, TenantId } from '@flowline/contracts';

/** The trigger every benchmark event uses; its routing key on the events exchange. */
export const BENCH_TRIGGER = 'high_value_opportunity';
export const BENCH_MODULE = 'sales';
export const BENCH_ROUTING_KEY = `${BENCH_MODULE}.${BENCH_TRIGGER}`;

export function tenantId(index: number): TenantId {
  return `bench-tenant-${index}` as TenantId;
}

/**
 * A tenant's rules for the benchmark trigger. Exactly one matches every event (so each event
 * causes exactly one action, like one message through the baseline's second hop); the others
 * are evaluated in full and fail, as most of a real tenant's rules would for a given event.
 */
export function benchRules(tenant: TenantId, rulesPerTrigger: number, now = new Date().toISOString()): Rule[] {
  return Array.from({ length: rulesPerTrigger }, (_, index): Rule => {
    const matching = index === 0;
    return {
      id: randomUUID(),
      tenant_id: tenant,
      name: `bench rule ${index}`,
      version: 1,
      description: '',
      module_type: BENCH_MODULE,
      trigger_id: BENCH_TRIGGER,
      is_active: true,
      conditions: matching
        ? [
            { type: 'value_threshold', value: 10_000 },
            { type: 'equals', field: 'region', value: 'emea' },
            { type: 'exists', field: 'owner.email', value: true },
          ]
        : [
            { type: 'value_threshold', value: 10_000 },
            { type: 'in', field: 'region', value: ['apac', `zone-${index}`] },
            { type: 'greater_than', field: 'owner.level', value: 10 + index },
          ],
      actions: [
        {
          type: 'send_notification',
          parameters: {
            recipient: '{{owner.email}}',
            message: `Rule ${index}: {{opportunity_name}} is worth \${{value}} ({{tenant_id}})`,
          },
        },
      ],
      created_at: now,
      updated_at: now,
    };
  });
}

/** Event data for the benchmark trigger, padded to about `payloadBytes` of JSON. */
export function benchEventData(sequence: number, payloadBytes: number): Record<string, unknown> {
  const data: Record<string, unknown> = {
    opportunity_id: `opp-${sequence}`,
    opportunity_name: `Opportunity ${sequence}`,
    value: 25_000 + (sequence % 1000),
    region: 'emea',
    owner: { email: 'owner@example.com', level: 3 },
  };
  const base = JSON.stringify(data).length;
  if (payloadBytes > base + 16) data.notes = 'x'.repeat(payloadBytes - base - 12);
  return data;
}

export function benchEvent(tenant: TenantId, sequence: number, payloadBytes: number): EventEnvelopeInput & { id: string } {
  const id = randomUUID();
  return {
    id,
    tenant_id: tenant,
    type: BENCH_TRIGGER,
    module_type: BENCH_MODULE,
    source: 'bench',
    time: new Date().toISOString(),
    data: benchEventData(sequence, payloadBytes),
    correlation_id: id,
    causation_id: null,
    causation_depth: 0,
  };
}

/** `count` serialised events from `firstSequence` on, spread round-robin over the tenants. */
export function benchMessages(firstSequence: number, count: number, tenants: number, payloadBytes: number): { id: string; tenant: string; body: Buffer }[] {
  return Array.from({ length: count }, (_, i) => {
    const sequence = firstSequence + i;
    const tenant = tenantId(sequence % tenants);
    const event = benchEvent(tenant, sequence, payloadBytes);
    return { id: event.id, tenant, body: Buffer.from(JSON.stringify(event)) };
  });
}
