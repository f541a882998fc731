import { describe, expect, it } from 'vitest';
import { ConditionSchema, type TenantId } from '@flowline/contracts';
import { catalogue, checkEventData, checkRuleAgainstCatalogue, eventsForChange, sampleData } from '@flowline/rules';

describe('catalogue', () => {
  it('when listed, then CRM has the spec’s 4 triggers plus lead_status_changed and Sales its 5, with their required data', () => {
    expect(catalogue.triggers('crm').map((t) => t.id)).toEqual(['contact_created', 'contact_updated', 'contact_status_changed', 'lead_created', 'lead_status_changed']);
    expect(catalogue.triggers('sales').map((t) => t.id)).toEqual([
      'opportunity_created',
      'opportunity_stage_changed',
      'deal_closed_won',
      'deal_closed_lost',
      'high_value_opportunity',
    ]);
    expect(catalogue.trigger('contact_status_changed')?.required_data).toEqual(['contact_id', 'old_status', 'new_status']);
    expect(catalogue.trigger('high_value_opportunity')?.required_data).toEqual(['opportunity_id', 'value']);
    expect(catalogue.triggers()).toHaveLength(10);
  });
});

describe('checkRuleAgainstCatalogue', () => {
  it('when the trigger belongs to another module, then the issue names trigger_id', () => {
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'deal_closed_won', conditions: [] })).toEqual([
      { path: 'trigger_id', message: expect.stringContaining("belongs to module 'sales'") },
    ]);
  });
  it('when a CRM rule uses value_threshold, then the issue names the condition', () => {
    const conditions = [ConditionSchema.parse({ type: 'value_threshold', value: 1 })];
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'crm', trigger_id: 'lead_created', conditions })).toEqual([
      { path: 'conditions.0.type', message: expect.stringContaining('not available') },
    ]);
  });
  it('when the rule is consistent, then there are no issues', () => {
    const conditions = [ConditionSchema.parse({ type: 'value_threshold', value: 1 })];
    expect(checkRuleAgainstCatalogue(catalogue, { module_type: 'sales', trigger_id: 'high_value_opportunity', conditions })).toEqual([]);
  });
});

describe('checkEventData', () => {
  it('when required data is missing or of the wrong type, then each field is named', () => {
    const issues = checkEventData(catalogue, 'high_value_opportunity', { value: 'lots' });
    expect(issues.map((i) => i.path).sort()).toEqual(['data.opportunity_id', 'data.value']);
    expect(issues.find((i) => i.path === 'data.opportunity_id')?.message).toMatch(/required/);
  });
  it('when the data is complete, then extra fields are allowed', () => {
    expect(checkEventData(catalogue, 'high_value_opportunity', { opportunity_id: 'o1', value: 1, extra: true })).toEqual([]);
    expect(checkEventData(catalogue, 'contact_created', {})).toEqual([]);
  });
  it('when the trigger is unknown, then the issue names type', () => {
    expect(checkEventData(catalogue, 'nope', {})).toEqual([{ path: 'type', message: "unknown trigger 'nope'" }]);
  });
});

describe('trigger data descriptions', () => {
  it('when listed, then each trigger describes its required data first, each marked required, with a type and an example', () => {
    for (const trigger of catalogue.triggers()) {
      expect(trigger.data.filter((f) => f.required).map((f) => f.name)).toEqual(trigger.required_data);
      for (const f of trigger.data) {
        expect(f.description.length).toBeGreaterThan(0);
        expect(f.example).not.toBeUndefined();
      }
    }
    expect(catalogue.trigger('high_value_opportunity')?.data.find((f) => f.name === 'value')).toMatchObject({ type: 'number', required: true });
  });

  it('when a sample event is made from a description, then the trigger accepts it', () => {
    for (const trigger of catalogue.triggers()) expect(checkEventData(catalogue, trigger.id, sampleData(trigger.data))).toEqual([]);
  });

  it('when the modules raise events for entity changes, then every data field is described, with a value of its type', () => {
    const origin = { idSeed: 's', source: 'test', time: '2026-01-01T00:00:00.000Z', causation_id: null, causation_depth: 0 };
    const meta = { id: '6f1c2b9e-4d7a-4c1e-9b2f-1a2b3c4d5e6f', tenant_id: 't' as TenantId, version: 1, created_at: origin.time, updated_at: origin.time };
    const contact = { ...meta, entity_type: 'contact', name: 'A', email: 'a@example.com', status: 'new' } as const;
    const lead = { ...meta, entity_type: 'lead', name: 'L', source: 'web', status: 'new' } as const;
    const opp = { ...meta, entity_type: 'opportunity', name: 'O', value: 5, currency: 'USD', stage: 'prospecting', owner: 'o' } as const;
    const settings = { high_value_threshold: 10 };
    const events = [
      ...eventsForChange(null, contact, settings, origin),
      ...eventsForChange(contact, { ...contact, version: 2, status: 'customer' }, settings, origin),
      ...eventsForChange(null, lead, settings, origin),
      ...eventsForChange(lead, { ...lead, version: 2, status: 'qualified' }, settings, origin),
      ...eventsForChange(null, opp, settings, origin),
      ...eventsForChange(opp, { ...opp, version: 2, value: 50, stage: 'closed_won' }, settings, origin),
      ...eventsForChange(opp, { ...opp, version: 2, stage: 'closed_lost', lost_reason: 'price' }, settings, origin),
    ];
    expect(new Set(events.map((e) => e.type)).size).toBe(10);
    const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : typeof v);
    for (const event of events) {
      const described = new Map(catalogue.trigger(event.type)!.data.map((f) => [f.name, f.type]));
      for (const [name, value] of Object.entries(event.data)) {
        expect(described.has(name), `${event.type}.${name} is described`).toBe(true);
        const type = described.get(name)!;
        expect(type === 'id' ? ['string', 'number'] : [type], `${event.type}.${name}`).toContain(typeOf(value));
      }
    }
  });
});
