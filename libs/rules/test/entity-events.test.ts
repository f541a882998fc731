import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EventEnvelopeSchema, parseTenantId, type Contact, type Lead, type Opportunity } from '@flowline/contracts';
import { catalogue, checkEventData, eventsForChange, type ChangeOrigin } from '@flowline/rules';

const tenant = parseTenantId('acme-corp');
const settings = { high_value_threshold: 10_000 };
const origin = (seed: string = randomUUID()): ChangeOrigin => ({
  idSeed: seed,
  source: 'test',
  time: '2025-01-01T12:00:00.000Z',
  causation_id: null,
  causation_depth: 0,
});
const meta = { tenant_id: tenant, version: 1, created_at: '2025-01-01T12:00:00.000Z', updated_at: '2025-01-01T12:00:00.000Z' };
const opportunity = (value: number, stage = 'prospecting', extra: Partial<Opportunity> = {}): Opportunity => ({
  ...meta,
  id: 'a7c3a8f4-5d8e-4a0e-9a53-0f7d5c1f3e21',
  entity_type: 'opportunity',
  name: 'Big deal',
  value,
  currency: 'USD',
  stage,
  owner: 'rep@example.com',
  ...extra,
});
const contact = (status: string): Contact => ({ ...meta, id: randomUUID(), entity_type: 'contact', name: 'Ada', email: 'ada@example.com', status });
const types = (events: Array<{ type: string }>) => events.map((e) => e.type);

describe('eventsForChange', () => {
  it('when an opportunity of 25000 is created, then opportunity_created and high_value_opportunity carry its fields and required data', () => {
    const events = eventsForChange(null, opportunity(25_000), settings, origin());
    expect(types(events)).toEqual(['opportunity_created', 'high_value_opportunity']);
    for (const event of events) {
      expect(EventEnvelopeSchema.parse(event)).toEqual(event);
      expect(checkEventData(catalogue, event.type, event.data)).toEqual([]);
      expect(event.data).toMatchObject({ opportunity_name: 'Big deal', value: 25_000, currency: 'USD', owner: 'rep@example.com' });
    }
  });

  it('when the value goes 9000 → 12000 → 13000, then only the crossing raises high_value_opportunity', () => {
    expect(types(eventsForChange(opportunity(5_000), opportunity(9_000), settings, origin()))).toEqual([]);
    expect(types(eventsForChange(opportunity(9_000), opportunity(12_000), settings, origin()))).toEqual(['high_value_opportunity']);
    expect(types(eventsForChange(opportunity(12_000), opportunity(13_000), settings, origin()))).toEqual([]);
    expect(types(eventsForChange(opportunity(9_000), opportunity(12_000), { high_value_threshold: 20_000 }, origin()))).toEqual([]);
  });

  it('when the stage becomes closed_won or closed_lost, then the stage change comes with deal_closed_won (value) or deal_closed_lost (reason)', () => {
    const won = eventsForChange(opportunity(12_000, 'negotiation'), opportunity(12_000, 'closed_won'), settings, origin());
    expect(types(won)).toEqual(['opportunity_stage_changed', 'deal_closed_won']);
    expect(won[0]!.data).toMatchObject({ old_stage: 'negotiation', new_stage: 'closed_won' });
    expect(won[1]!.data).toMatchObject({ value: 12_000 });

    const lost = eventsForChange(opportunity(1, 'negotiation'), opportunity(1, 'closed_lost', { lost_reason: 'budget' }), settings, origin());
    expect(types(lost)).toEqual(['opportunity_stage_changed', 'deal_closed_lost']);
    expect(lost[1]!.data).toMatchObject({ reason: 'budget' });
    for (const event of [...won, ...lost]) expect(checkEventData(catalogue, event.type, event.data)).toEqual([]);
  });

  it("when a contact's status changes, then contact_updated and contact_status_changed carry old and new status; other edits only contact_updated", () => {
    const before = contact('new');
    const events = eventsForChange(before, { ...before, status: 'customer', version: 2 }, settings, origin());
    expect(types(events)).toEqual(['contact_updated', 'contact_status_changed']);
    expect(events[1]!.data).toMatchObject({ contact_id: before.id, old_status: 'new', new_status: 'customer' });
    expect(types(eventsForChange(before, { ...before, name: 'Ada L.', version: 2 }, settings, origin()))).toEqual(['contact_updated']);
    expect(types(eventsForChange(null, before, settings, origin()))).toEqual(['contact_created']);
  });

  it("when a lead is created or its status changes, then lead_created or lead_status_changed is raised", () => {
    const lead: Lead = { ...meta, id: randomUUID(), entity_type: 'lead', name: 'Visitor', source: 'web', status: 'new' };
    expect(types(eventsForChange(null, lead, settings, origin()))).toEqual(['lead_created']);
    const changed = eventsForChange(lead, { ...lead, status: 'qualified', version: 2 }, settings, origin());
    expect(types(changed)).toEqual(['lead_status_changed']);
    expect(checkEventData(catalogue, 'lead_status_changed', changed[0]!.data)).toEqual([]);
  });

  it('when the same change is turned into events twice, then the ids are the same; another change gets other ids', () => {
    const first = eventsForChange(null, opportunity(25_000), settings, origin('opportunity:x:v1'));
    const again = eventsForChange(null, opportunity(25_000), settings, origin('opportunity:x:v1'));
    const other = eventsForChange(null, opportunity(25_000), settings, origin('opportunity:x:v2'));
    expect(again.map((e) => e.id)).toEqual(first.map((e) => e.id));
    expect(other.map((e) => e.id)).not.toContain(first[0]!.id);
    expect(new Set(first.map((e) => e.id)).size).toBe(2);
  });
});
