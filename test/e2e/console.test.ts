import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build-console.ts';
import { launchChromium, type Browser } from '../support/browser.ts';
import { ALL_SCOPES, mintToken } from '@flowline/api';
import { jwtMode, startApiOnly, TEST_JWT_SECRET } from '../support/api-only.ts';
import { client, eventually, ROOT, useInProcessFlowline } from '../support/harness.ts';

/*
 * The console in a real browser (Debian's Chromium through playwright-core) against api, engine
 * and executor in this process on the real broker: sign in, build the spec's High Value Deal
 * Alert, test it, save it, follow an event to its execution, edit it, read its history, and
 * meet a stale edit. Features of the api that a server may not have yet (the rule test, rule
 * versions) are detected first; each step then asserts what the console must show either way.
 */

const flowline = useInProcessFlowline('console');
const tenant = `console-${randomUUID().slice(0, 8)}`;
const MESSAGE = 'New high-value opportunity: {{opportunity_name}} - ${{value}}';
const RENDERED = 'New high-value opportunity: Big Deal - $25000';

/** The first hour's mistakes: a misspelled field and a misspelled placeholder. */
const TYPO_RULE = {
  name: 'Typos',
  module_type: 'sales',
  trigger_id: 'high_value_opportunity',
  conditions: [{ type: 'greater_than', field: 'vlaue', value: 5000 }],
  actions: [{ type: 'send_notification', parameters: { recipient: 'a@example.com', message: 'Call {{opportunity_nmae}}' } }],
};

let browser: Browser;
let page: Page;
let api: ReturnType<typeof client>;
let base: string;
/** What this api offers, probed over HTTP before the browser relies on it. */
const has = { dryRun: false, versions: false, audit: false, warnings: false, events: false };
let ruleId = '';

/** Clicks `refresh` until `locator` shows up (the engine works asynchronously). */
async function until(page: Page, selector: () => Promise<boolean>, refresh: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await selector())) {
    if (Date.now() > deadline) throw new Error('not shown in time');
    await refresh();
    await page.waitForTimeout(300);
  }
}

/** No horizontal scrolling: the page is no wider than the viewport. (A string: this runs in the browser.) */
const fitsWidth = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');

const pick = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, o[k]]));

/** In the open editor: the name, the high_value_opportunity trigger and one condition in the builder. */
async function startRule(name: string, condition: { field: string; type: string; value: string }): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Trigger', { exact: true }).selectOption('high_value_opportunity');
  await page.getByTitle('Add condition').first().click();
  await page.getByLabel('Field of condition 1').fill(condition.field);
  await page.getByTitle('Condition', { exact: true }).selectOption(condition.type);
  await page.getByTitle('Value', { exact: true }).fill(condition.value);
}

beforeAll(async () => {
  await buildConsole('if-stale');
  base = flowline.current.baseUrl;
  api = client(base, tenant);
  const probe = await api.post('/api/v1/automation/rules/test', {});
  has.dryRun = probe.body?.code !== 'route_not_found';
  has.audit = (await api.get('/api/v1/audit')).body?.code !== 'route_not_found';
  has.events = (await api.get('/api/v1/events')).body?.code !== 'route_not_found';
  // Another tenant, so this probe's rule never shows in the console.
  const typo = await client(base, `${tenant}-probe`).post('/api/v1/automation/rules', { ...TYPO_RULE });
  expect(typo.status).toBe(201);
  has.warnings = Array.isArray(typo.body.warnings) && typo.body.warnings.length > 0;
  browser = await launchChromium();
  page = browser.page;
  // Fail a step in seconds, well inside the test timeout, with the locator that was not found.
  page.setDefaultTimeout(15_000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('console', () => {
  it('when a user opens /console, then they sign in with a tenant id using the keyboard alone', async () => {
    const response = await page.goto(`${base}/console`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByRole('heading', { name: 'Sign in to the Flowline console' }).waitFor();
    await page.getByRole('textbox', { name: 'Tenant id', exact: true }).focus();
    await page.keyboard.type(tenant);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Rules' }).waitFor();
    await page.getByText('No rules yet').waitFor();
    expect(await page.getByTitle('Signed in as').textContent()).toBe(`tenant ${tenant}`);
  });

  it('when the spec\'s High Value Deal Alert is built in the editor, then the dry run shows the rendered message', async () => {
    await page.getByRole('link', { name: 'New rule' }).click();
    await startRule('High Value Deal Alert', { field: 'value', type: 'value_threshold', value: '10000' });
    await page.getByLabel('Description', { exact: true }).fill('Notify sales manager about deals over $10,000');
    await page.getByLabel('recipient (required)').fill('sales-manager@example.com');
    const message = page.getByLabel('message (required)');
    await message.click();
    // Typing `{{` offers the trigger's fields; Enter inserts the highlighted one.
    await page.keyboard.type('New high-value opportunity: {{opportunity_name}} - ${{val');
    await page.getByRole('option', { name: /\{\{value\}\}/ }).waitFor();
    await page.keyboard.press('Enter');
    expect(await message.inputValue()).toBe(MESSAGE);

    const sample = page.getByLabel(/Sample event data/);
    expect(JSON.parse(await sample.inputValue())).toHaveProperty('value');
    await sample.fill(JSON.stringify({ opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 }, null, 2));
    await page.getByRole('button', { name: 'Run test' }).click();
    if (has.dryRun) {
      const result = page.getByRole('region', { name: 'Test result' });
      await result.getByText(RENDERED).waitFor();
      expect(await result.getByText('matched', { exact: true }).isVisible()).toBe(true);
    } else {
      await page.getByText('Testing a rule (dry run) is not available on this server').waitFor();
    }

    await page.evaluate('window.scrollTo(0, 0)');
    // UPDATE_SCREENSHOTS=1 refreshes the README's picture; otherwise the tree stays clean.
    const shot = await page.screenshot({ fullPage: true, ...(process.env['UPDATE_SCREENSHOTS'] ? { path: join(ROOT, 'docs/console-editor.png') } : {}) });
    expect(shot.length).toBeGreaterThan(10_000);
  });

  it('when the rule is saved, then the api holds exactly the rule that was built', async () => {
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(/\/console\/rules\/[0-9a-f-]{36}$/);
    ruleId = page.url().split('/').pop()!;
    const stored = await api.get(`/api/v1/automation/rules/${ruleId}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      name: 'High Value Deal Alert',
      module_type: 'sales',
      trigger_id: 'high_value_opportunity',
      conditions: [{ type: 'value_threshold', value: 10000 }],
      actions: [{ type: 'send_notification', parameters: { recipient: 'sales-manager@example.com', message: MESSAGE } }],
      is_active: true,
    });
    has.versions = typeof stored.body.version === 'number';
  });

  it('when an event is published, then its execution shows in the event log with why it matched and the action status', async () => {
    const published = await api.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o1', opportunity_name: 'Big Deal', value: 25000 } });
    expect(published.status).toBe(202);
    await eventually(async () => {
      const executions = await api.get(`/api/v1/automation/executions?event_id=${published.body.id}`);
      const list = Array.isArray(executions.body) ? executions.body : executions.body.items;
      return list[0]?.actions[0]?.status === 'succeeded' ? true : undefined;
    });

    await page.getByRole('link', { name: 'Event log' }).click();
    const executions = page.getByRole('list', { name: 'Executions' });
    const card = executions.getByRole('listitem').filter({ hasText: published.body.id });
    await until(
      page,
      async () => (await card.count()) > 0 && (await card.getByText('succeeded').count()) > 0,
      () => page.getByRole('navigation', { name: 'Executions pages' }).getByRole('button', { name: 'Refresh' }).click(),
    );
    expect(await card.getByRole('link', { name: 'High Value Deal Alert' }).isVisible()).toBe(true);
    expect(await card.getByText(RENDERED).isVisible()).toBe(true);
    // Why it matched: the condition with the value it saw.
    const why = card.getByRole('list', { name: 'Conditions' });
    expect(await why.textContent()).toMatch(/passed.*value.*value_threshold.*10000.*saw.*25000/);
  });

  it('when an event does not match, then the event log says which condition failed and the value it saw', async () => {
    const small = await api.post('/api/v1/events', { type: 'high_value_opportunity', data: { opportunity_id: 'o2', opportunity_name: 'Small Deal', value: 5000 } });
    expect(small.status).toBe(202);
    if (has.events) {
      // The event log keeps one record per event with every rule's verdict.
      const events = page.getByRole('list', { name: 'Events', exact: true });
      const record = events.getByRole('listitem').filter({ hasText: small.body.id });
      await until(
        page,
        async () => (await record.count()) > 0,
        () => page.getByRole('navigation', { name: 'Events pages' }).getByRole('button', { name: 'Refresh' }).click(),
      );
      const verdict = record.getByRole('list', { name: 'Rules' }).getByRole('listitem').filter({ hasText: 'High Value Deal Alert' });
      expect(await verdict.textContent()).toMatch(/not matched.*because value value_threshold 10000 saw 5000/);
    } else {
      // Without an event log, every evaluation is an execution, the failed ones included.
      const card = page.getByRole('list', { name: 'Executions' }).getByRole('listitem').filter({ hasText: small.body.id });
      await until(
        page,
        async () => (await card.count()) > 0,
        () => page.getByRole('navigation', { name: 'Executions pages' }).getByRole('button', { name: 'Refresh' }).click(),
      );
      expect(await card.getByText('not matched').first().isVisible()).toBe(true);
      expect(await card.getByRole('list', { name: 'Conditions' }).textContent()).toMatch(/failed.*value.*value_threshold.*10000.*saw.*5000/);
      expect(await card.getByText('No actions.').isVisible()).toBe(true);
    }
  });

  it('when the rule is edited, then its history lists both versions, the diff shows the change and the audit log both edits', async () => {
    await page.goto(`${base}/console/rules/${ruleId}`);
    const value = page.getByTitle('Value', { exact: true });
    await value.waitFor();
    expect(await value.inputValue()).toBe('10000');
    await value.fill('20000');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByText(/^Saved/).waitFor();
    expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).body.conditions).toEqual([{ type: 'value_threshold', value: 20000 }]);

    await page.getByRole('link', { name: 'History' }).click();
    if (has.versions) {
      const rows = page.getByRole('table').getByRole('row');
      await eventually(async () => ((await rows.count()) >= 3 ? true : undefined));
      const diff = page.getByLabel('Difference between the versions');
      expect(await diff.locator('.removed').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('10000')]));
      expect(await diff.locator('.added').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('20000')]));
    } else {
      await page.getByText('Rule history is not available on this server').waitFor();
    }

    await page.getByRole('link', { name: 'Audit' }).click();
    if (has.audit) {
      const entries = page.getByRole('table').getByRole('row').filter({ hasText: 'High Value Deal Alert' });
      await entries.filter({ hasText: 'rule.updated' }).first().waitFor();
      expect(await entries.filter({ hasText: 'rule.created' }).count()).toBe(1);
    } else {
      await page.getByText('The audit log is not available on this server').waitFor();
    }
  });

  it('when someone else saves the rule while it is open, then saving shows the conflict and keeps their change', async () => {
    await page.goto(`${base}/console/rules/${ruleId}`);
    const description = page.getByLabel('Description', { exact: true });
    await description.waitFor();
    const current = await api.get(`/api/v1/automation/rules/${ruleId}`);
    const theirs = await api.request(
      'PUT',
      `/api/v1/automation/rules/${ruleId}`,
      {
        // A full body: servers with versions take PUT as a replacement.
        ...pick(current.body, ['name', 'conditions', 'actions', 'is_active']),
        description: 'changed in another tab',
        ...(has.versions && !current.headers.get('etag') ? { version: current.body.version } : {}),
      },
      current.headers.get('etag') ? { 'if-match': current.headers.get('etag')! } : {},
    );
    expect(theirs.status).toBe(200);

    await description.fill('my stale edit');
    await page.getByRole('button', { name: 'Save rule' }).click();
    if (has.versions) {
      await page.getByRole('alert').getByText('Someone else changed this rule').waitFor();
      expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).body.description).toBe('changed in another tab');
      await page.getByRole('button', { name: 'Load their version' }).click();
      expect(await description.inputValue()).toBe('changed in another tab');
      // Editing on top of their version saves: the console now expects the latest version.
      await description.fill('mine, on top of theirs');
      // The console reads the rule again after saving; the next change in "another tab" must come after that.
      const reread = page.waitForResponse((response) => response.request().method() === 'GET' && response.url().endsWith(`/api/v1/automation/rules/${ruleId}`));
      await page.getByRole('button', { name: 'Save rule' }).click();
      await page.getByText(/^Saved as version/).waitFor();
      await reread;
      expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).body.description).toBe('mine, on top of theirs');

      // Stale again, and this time the author keeps their edit over the other one.
      const latest = await api.get(`/api/v1/automation/rules/${ruleId}`);
      const again = await api.request('PUT', `/api/v1/automation/rules/${ruleId}`, { ...pick(latest.body, ['name', 'conditions', 'actions', 'is_active']), description: 'theirs again' }, { 'if-match': latest.headers.get('etag')! });
      expect(again.status).toBe(200);
      await description.fill('mine wins');
      await page.getByRole('button', { name: 'Save rule' }).click();
      await page.getByRole('button', { name: 'Overwrite with mine' }).click();
      await page.getByText(/^Saved as version/).waitFor();
      expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).body.description).toBe('mine wins');
    } else {
      // A server without rule versions cannot tell a stale edit: the last save wins.
      await page.getByText(/^Saved/).waitFor();
      expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).body.description).toBe('my stale edit');
    }
  });

  it('when a rule with a misspelled field and placeholder is saved, then the editor warns at each and the rule is still saved', async () => {
    await page.goto(`${base}/console/rules/new`);
    await startRule(TYPO_RULE.name, { field: 'vlaue', type: 'greater_than', value: '5000' });
    await page.getByLabel('recipient (required)').fill('a@example.com');
    await page.getByLabel('message (required)').fill('Call {{opportunity_nmae}}');
    // Known before saving, from the trigger's data description.
    await page.getByText("{{opportunity_nmae}}: not in this trigger's data").waitFor();

    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(/\/console\/rules\/[0-9a-f-]{36}$/);
    const stored = await api.get(`/api/v1/automation/rules/${page.url().split('/').pop()}`);
    expect(stored.body.conditions).toEqual(TYPO_RULE.conditions);
    if (has.warnings) {
      const conditions = page.getByRole('group', { name: 'Conditions' });
      await conditions.getByRole('status').filter({ hasText: /Condition 1: .*vlaue/ }).waitFor();
      const action = page.getByRole('group', { name: 'Action 1' });
      expect(await action.getByRole('status').filter({ hasText: /opportunity_nmae/ }).count()).toBeGreaterThanOrEqual(2);
    } else {
      expect(await page.getByRole('group', { name: 'Conditions' }).getByRole('status').count()).toBe(0);
    }
    await api.delete(`/api/v1/automation/rules/${stored.body.id}`);
  });

  it('when a webhook secret is made in Settings and a delayed webhook action added, then the api stores its JSON body and its delay', async () => {
    // Webhooks are signed with the tenant's secret, which must exist first: made in Settings.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText('There is no secret yet.').waitFor();
    await page.getByRole('button', { name: 'Create a secret' }).click();
    const secret = await page.getByLabel('New secret').inputValue();
    await page.getByText(/^Current secret/).waitFor();
    const hint = (await api.get('/api/v1/automation/settings/webhook-secret')).body.secret_hint;
    expect(secret.length).toBeGreaterThan(20);
    expect(await page.getByText(/^Current secret/).textContent()).toContain(hint);

    await page.getByLabel('Threshold', { exact: true }).fill('20000');
    await page.getByRole('button', { name: 'Save threshold' }).click();
    await page.getByText('Saved.').waitFor();
    expect((await api.get('/api/v1/automation/settings')).body.high_value_threshold).toBe(20000);

    await page.goto(`${base}/console/rules/new`);
    await startRule('Webhook later', { field: 'value', type: 'greater_than', value: '1' });
    const action = page.getByRole('group', { name: 'Action 1' });
    await action.getByLabel('Action 1 type').selectOption('call_webhook');
    await action.getByLabel('url (required)').fill('https://hooks.example.com/deals');
    const body = action.getByLabel('body', { exact: true });
    await body.fill('{"deal": "{{opportunity_name}}", ');
    // Invalid JSON is caught before anything is sent.
    await action.getByText('not valid JSON').waitFor();
    expect(await page.getByRole('button', { name: 'Save rule' }).isDisabled()).toBe(true);
    await body.fill('{"deal": "{{opportunity_name}}"}');
    await action.getByText(/When it runs/).click();
    await action.getByLabel(/^Delay/).fill('PT1H');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(/\/console\/rules\/[0-9a-f-]{36}$/);
    const stored = await api.get(`/api/v1/automation/rules/${page.url().split('/').pop()}`);
    expect(stored.body.actions).toEqual([{ type: 'call_webhook', parameters: { url: 'https://hooks.example.com/deals', body: { deal: '{{opportunity_name}}' } }, delay: 'PT1H' }]);
    await api.delete(`/api/v1/automation/rules/${stored.body.id}`);
  });

  it('when the rules list is used, then it filters, pauses and deletes, and fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/console/rules`);
    await page.getByRole('link', { name: 'High Value Deal Alert', exact: true }).waitFor();
    expect(await fitsWidth(page)).toBe(true);

    await page.getByLabel('Filter').fill('no such rule');
    await page.getByText('No rules match the filter').waitFor();
    await page.getByLabel('Filter').fill('high value');
    await page.getByRole('button', { name: 'Pause High Value Deal Alert' }).click();
    await page.getByRole('button', { name: 'Activate High Value Deal Alert' }).waitFor();
    expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).body.is_active).toBe(false);

    await page.getByRole('button', { name: 'Delete High Value Deal Alert' }).click();
    await page.getByRole('button', { name: 'Really delete High Value Deal Alert' }).click();
    await page.getByText('No rules match the filter').waitFor();
    expect((await api.get(`/api/v1/automation/rules/${ruleId}`)).status).toBe(404);

    // The editor stacks its test panel under the form and still fits.
    await page.getByRole('link', { name: 'New rule' }).click();
    await page.getByLabel('Trigger', { exact: true }).selectOption('high_value_opportunity');
    await page.getByTitle('Add condition').first().click();
    expect(await fitsWidth(page)).toBe(true);
    if (process.env['PHONE_SCREENSHOT']) await page.screenshot({ path: process.env['PHONE_SCREENSHOT'], fullPage: true });
  });

  it('when a template is filled in, then a rule is created from it and opens in the editor', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Templates' }).click();
    const form = page.getByRole('form', { name: 'Notify on lost deal' });
    await form.getByLabel('recipient (required)').fill('boss@example.com');
    await form.getByRole('button', { name: 'Create rule from Notify on lost deal' }).click();
    await page.waitForURL(/\/console\/rules\/[0-9a-f-]{36}$/);
    expect(await page.getByLabel('Trigger', { exact: true }).inputValue()).toBe('deal_closed_lost');
    const created = await api.get(`/api/v1/automation/rules/${page.url().split('/').pop()}`);
    expect(created.body.actions[0].parameters.recipient).toBe('boss@example.com');
  });
});

describe('console in jwt mode', () => {
  it('when a bad bearer token is pasted, then sign-in shows the 401, and a valid one signs in', async () => {
    const jwtApi = await startApiOnly(jwtMode);
    const tab = await browser.context.newPage();
    tab.setDefaultTimeout(15_000);
    try {
      await tab.goto(`${jwtApi.baseUrl}/console`);
      await tab.getByRole('radio', { name: /Bearer token/ }).check();
      const field = tab.getByRole('textbox', { name: 'Bearer token' });
      await field.fill('not-a-token');
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('alert').getByText(/^401/).waitFor();

      const token = await mintToken({ secret: TEST_JWT_SECRET, tenantClaim: 'tenant_id' }, { tenant: 'console-jwt', scopes: ALL_SCOPES });
      await field.fill(token);
      await tab.getByRole('button', { name: 'Sign in' }).click();
      await tab.getByRole('heading', { name: 'Rules' }).waitFor();
      expect(await tab.getByTitle('Signed in as').textContent()).toBe('bearer token');
      await tab.getByText('No rules yet').waitFor();
    } finally {
      await tab.close();
      await jwtApi.stop();
    }
  });
});
