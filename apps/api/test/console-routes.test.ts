import { mkdirSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp, defaultApiSecurity } from '@flowline/api';
import type { MessageBus } from '@flowline/messaging';
import { silentLogger } from '@flowline/observability';
import { catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { tempDir } from '../../../test/support/harness.ts';

const dirs: Array<{ remove(): void }> = [];
const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
  for (const d of dirs) d.remove();
});

/** The api's express app (no store or bus is touched by /console) serving `consoleDir`. */
async function serve(consoleDir: string): Promise<string> {
  const app = createApp({ stores: {} as Stores, bus: {} as MessageBus, catalogue, logger: silentLogger(), security: defaultApiSecurity(), consoleDir });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('/console', () => {
  it('when the console is built, then its files are served and every console path gets index.html (the browser routes)', async () => {
    const dir = tempDir();
    dirs.push(dir);
    mkdirSync(join(dir.path, 'assets'));
    writeFileSync(join(dir.path, 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/app-1.js"></script>');
    writeFileSync(join(dir.path, 'assets/app-1.js'), 'console.log(1)');
    const base = await serve(dir.path);

    for (const path of ['/console/', '/console/rules/123/history', '/console/events?rule_id=x']) {
      const page = await fetch(`${base}${path}`);
      expect(page.status, path).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await page.text()).toContain('<title>console</title>');
      // helmet's policy applies: scripts only from this origin, which is where the build lives.
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    }
    const asset = await fetch(`${base}/console/assets/app-1.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    // A missing asset is a 404, never index.html served as a script.
    const missing = await fetch(`${base}/console/assets/gone.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/problem\+json/);
  });

  it('when the console is not built, then /console says how to build it and the api answers as usual', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const base = await serve(join(dir.path, 'nothing-here'));
    const page = await fetch(`${base}/console/rules`);
    expect(page.status).toBe(503);
    expect(await page.text()).toContain('npm run build:console');
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });
});
