import { ActionSchema, type Action } from '@flowline/contracts';
import { describe, expect, it } from 'vitest';
import { actionTiming, checkWebhookUrls } from '../src/index.ts';

const webhook = (url: string): Action => ActionSchema.parse({ type: 'call_webhook', parameters: { url } });
const issuesFor = (url: string, allowHttp = false) => checkWebhookUrls([webhook(url)], { allowHttp }).map((i) => i.message);

describe('checkWebhookUrls', () => {
  it('when the URL is https, or starts with a placeholder, then it passes', () => {
    expect(issuesFor('https://billing.example.com/hooks/{{opportunity_id}}')).toEqual([]);
    expect(issuesFor('{{callback_url}}')).toEqual([]);
  });

  it('when the URL is http, then it is refused unless http is allowed', () => {
    expect(issuesFor('http://billing.example.com/hook')).toEqual(['must use https, not http']);
    expect(issuesFor('http://billing.example.com/hook', true)).toEqual([]);
  });

  it('when the URL has another scheme, no scheme, or cannot be parsed, then it is refused', () => {
    expect(issuesFor('ftp://files.example.com/x')).toEqual(['must use https, not ftp']);
    expect(issuesFor('billing.example.com/hook')).toEqual(['must start with https://']);
    expect(issuesFor('https://exa mple.com/')).toEqual(['is not a valid URL']);
  });
});

describe('actionTiming', () => {
  const matched = new Date('2026-01-01T00:00:00.000Z');
  const max = 366 * 86_400_000;

  it('when an action has no delay or run_at, then it runs now', () => {
    expect(actionTiming({}, {}, matched, max)).toEqual({ at: 'now' });
  });

  it('when it has a delay, then it is due that long after the match', () => {
    expect(actionTiming({ delay: 'P2DT30M' }, {}, matched, max)).toEqual({ at: 'later', run_at: '2026-01-03T00:30:00.000Z' });
  });

  it('when run_at renders a time, then it is due then; a past time is due at once', () => {
    expect(actionTiming({ run_at: '{{due}}' }, { due: '2026-01-05T10:00:00+02:00' }, matched, max)).toEqual({ at: 'later', run_at: '2026-01-05T08:00:00.000Z' });
    expect(actionTiming({ run_at: '{{due}}' }, { due: '2020-01-01T00:00:00Z' }, matched, max)).toEqual({ at: 'later', run_at: matched.toISOString() });
  });

  it('when run_at renders something else, or the time is past the limit, then it is invalid with the reason', () => {
    expect(actionTiming({ run_at: '{{due}}' }, {}, matched, max)).toEqual({ at: 'invalid', error: "run_at rendered '', which is not an ISO time" });
    expect(actionTiming({ delay: 'P400D' }, {}, matched, max)).toEqual({ at: 'invalid', error: 'the action would run more than 366 days ahead, past the limit' });
  });
});
