import { ActionResultRecordSchema, EventRecordSchema, ExecutionSchema, NotificationSchema } from '@flowline/contracts';
import { describe, expect, it } from 'vitest';
import { floorActionRecords, floorProcessedEvent } from '../../bench/floor-records.ts';
import { benchEvent, tenantId } from '../../bench/workload.ts';

/** The floor pipeline only means something if it writes what Flowline writes: the same contracts, about the same size. */
describe('the bench floor records', () => {
  it('when made for a bench event, then the event record, execution, notification and action result are valid contracts of the same tenant and ids', () => {
    const body = JSON.parse(JSON.stringify(benchEvent(tenantId(7), 42, 512)));
    const { processed, commandId, executionId } = floorProcessedEvent(body, 20, new Date().toISOString());
    const record = EventRecordSchema.parse(processed.record);
    const [execution] = processed.executions.map((one) => ExecutionSchema.parse(one));
    const { notification, result } = floorActionRecords({ tenant: processed.tenant, eventId: body.id, commandId, executionId }, new Date().toISOString());

    expect(record.rules).toHaveLength(20);
    expect(record.rules.filter((rule) => rule.outcome === 'matched')).toHaveLength(1);
    expect(execution!.id).toBe(executionId);
    expect(execution!.event_id).toBe(body.id);
    expect(NotificationSchema.parse(notification).tenant_id).toBe(processed.tenant);
    expect(ActionResultRecordSchema.parse(result).command_id).toBe(commandId);
    // Flowline's own rows at 20 rules and a 512 B payload: about 4.9 KB and 1.0 KB.
    expect(JSON.stringify(processed.record).length).toBeGreaterThan(4000);
    expect(JSON.stringify(execution).length).toBeGreaterThan(800);
  });
});
