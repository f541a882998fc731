import { describe, expect, it } from 'vitest';
import { CreateRuleRequestSchema } from '@flowline/contracts';
import { catalogue, checkRuleAgainstCatalogue, instantiateTemplate, ruleWarnings, SYSTEM_TEMPLATES } from '@flowline/rules';

const example: Record<string, Record<string, unknown>> = {
  high_value_deal_alert: { recipient: 'boss@example.com' },
  new_lead_follow_up: { assignee: 'rep@example.com' },
  lost_deal_notification: { recipient: 'boss@example.com' },
  escalate_contact_status: { from_status: 'at_risk', recipient: 'care@example.com' },
};

describe('system templates', () => {
  it('when listed, then the four required templates are there, with unique ids', () => {
    expect(SYSTEM_TEMPLATES.map((t) => t.id).sort()).toEqual(Object.keys(example).sort());
  });

  it.each(SYSTEM_TEMPLATES.map((t) => [t.id, t] as const))('when %s is filled with valid parameters, then it makes a valid rule with no placeholder left', (id, template) => {
    const { rule, issues } = instantiateTemplate(template, example[id]);
    expect(issues).toEqual([]);
    const request = CreateRuleRequestSchema.parse(rule);
    expect(checkRuleAgainstCatalogue(catalogue, request)).toEqual([]);
    // Its fields and placeholders are all in the trigger's data: a template never starts with a warning.
    expect(ruleWarnings(catalogue, request)).toEqual([]);
    expect(JSON.stringify(request)).not.toMatch(/\[\[|undefined/);
    for (const parameter of template.parameters) expect(JSON.stringify(template.rule)).toContain(`[[${parameter.name}]]`);
  });

  it('when a number placeholder is filled, then the condition gets a number; defaults apply when left out', () => {
    const template = SYSTEM_TEMPLATES.find((t) => t.id === 'high_value_deal_alert')!;
    expect(instantiateTemplate(template, { recipient: 'a@example.com', threshold: 50_000 }).rule?.conditions).toEqual([{ type: 'value_threshold', value: 50_000 }]);
    expect(instantiateTemplate(template, { recipient: 'a@example.com' }).rule?.conditions).toEqual([{ type: 'value_threshold', value: 10_000 }]);
  });

  it('when parameters are missing, of the wrong type or unknown, then each issue names parameters.<name>', () => {
    const template = SYSTEM_TEMPLATES.find((t) => t.id === 'high_value_deal_alert')!;
    const { rule, issues } = instantiateTemplate(template, { threshold: 'lots', colour: 'red' });
    expect(rule).toBeUndefined();
    expect(issues.map((i) => i.path).sort()).toEqual(['parameters.colour', 'parameters.recipient', 'parameters.threshold']);
  });
});
