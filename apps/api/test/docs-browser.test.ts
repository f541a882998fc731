import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiOnly, type ApiOnly } from '../../../test/support/api-only.ts';

/*
 * The reference is rendered by Swagger UI in the browser, so only a browser can show that it
 * works: headless Chromium (Debian's, as the console's browser tests use) loads /docs, runs its
 * scripts under the api's real Content-Security-Policy, and dumps the resulting page.
 */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => existsSync(path));
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
if (!CHROMIUM) console.warn('docs browser test skipped: no Chromium (apt-get install -y chromium, or set CHROMIUM_PATH)');

async function renderedDom(url: string): Promise<string> {
  const { stdout } = await promisify(execFile)(CHROMIUM!, [...FLAGS, '--virtual-time-budget=10000', '--dump-dom', url], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

describe.skipIf(!CHROMIUM)('the API reference in a browser', () => {
  let api: ApiOnly;
  beforeAll(async () => {
    api = await startApiOnly();
  });
  afterAll(() => api.stop());

  it('when /docs is opened at createRule, then Swagger UI renders every method badge, PATCH included, and the operation shows its example', async () => {
    const dom = await renderedDom(`${api.baseUrl}/docs#/Rules/createRule`);
    const badges = [...dom.matchAll(/opblock-summary-method">([A-Z]+)</g)].map((m) => m[1]);
    expect(new Set(badges)).toEqual(new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']));
    expect(badges.length).toBeGreaterThanOrEqual(35);
    expect(dom).toContain('High Value Deal Alert');
  }, 90_000);
});
