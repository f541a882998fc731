import { describe, expect, it } from 'vitest';
import { renderParameters, renderTemplate } from '@flowline/rules';

describe('renderTemplate', () => {
  it("when the spec's message is rendered, then placeholders take the event's values", () => {
    const out = renderTemplate('New high-value opportunity: {{opportunity_name}} - ${{value}}', { opportunity_name: 'Big Deal', value: 25000 });
    expect(out).toEqual({ value: 'New high-value opportunity: Big Deal - $25000', missing: [] });
  });
  it('when a value is missing or null, then it renders empty and is reported', () => {
    expect(renderTemplate('Hi {{ name }}{{x.y}}!', { x: { y: null } })).toEqual({ value: 'Hi !', missing: ['name', 'x.y'] });
  });
  it('when a value is nested or an object, then dotted paths reach it and objects render as JSON', () => {
    expect(renderTemplate('{{a.b}} {{a}}', { a: { b: 1 } }).value).toBe('1 {"b":1}');
  });
  it('when text only looks like a placeholder, then it is left alone', () => {
    expect(renderTemplate('{{ not valid }} {single}', {}).value).toBe('{{ not valid }} {single}');
  });
});

describe('renderParameters', () => {
  it('when parameters are rendered, then every string is rendered and missing paths are collected once', () => {
    const out = renderParameters({ title: 'Call {{who}}', description: '{{who}} at {{when}}', n: 3 } as Record<string, unknown>, { when: 'noon' });
    expect(out).toEqual({ value: { title: 'Call ', description: ' at noon', n: 3 }, missing: ['who'] });
  });
});
