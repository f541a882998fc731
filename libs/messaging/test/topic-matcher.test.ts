import { describe, expect, it } from 'vitest';
import { bindingMatches, matchesTopic } from '../src/topic-matcher.ts';

describe('matchesTopic', () => {
  it.each([
    ['#', 'sales.opportunity_created', true],
    ['#', '', true],
    ['sales.*', 'sales.opportunity_created', true],
    ['sales.*', 'sales', false],
    ['sales.*', 'sales.deal.won', false],
    ['*.opportunity_created', 'sales.opportunity_created', true],
    ['sales.#', 'sales', true],
    ['sales.#', 'sales.deal.won', true],
    ['sales.#', 'marketing.deal', false],
    ['#.won', 'sales.deal.won', true],
    ['#.won', 'won', true],
    ['#.deal.#', 'sales.deal.won', true],
    ['#.deal.#', 'sales.won', false],
    ['*', '', false],
    ['*', 'a', true],
    ['a.*.c', 'a..c', true],
    ['action.send_notification', 'action.send_notification', true],
    ['action.send_notification', 'action.send_email', false],
    ['#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.#.x', 'a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.y', false],
  ])('when the pattern is %j and the key %j, then it matches: %s', (pattern, key, expected) => {
    expect(matchesTopic(pattern, key)).toBe(expected);
  });
});

describe('bindingMatches', () => {
  it('when the exchange is direct, then only the exact key matches, wildcards included', () => {
    expect(bindingMatches('direct', 'flowline.engine.events', 'flowline.engine.events')).toBe(true);
    expect(bindingMatches('direct', '#', 'flowline.engine.events')).toBe(false);
  });

  it('when the exchange is fanout, then every key matches', () => {
    expect(bindingMatches('fanout', 'anything', 'something.else')).toBe(true);
  });

  it('when the exchange is topic, then wildcards apply', () => {
    expect(bindingMatches('topic', 'sales.*', 'sales.opportunity_created')).toBe(true);
  });
});
