import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiOnly, type ApiOnly } from '../support/api-only.ts';
import { ROOT, tempDir } from '../support/harness.ts';

/*
 * Contract fuzzing: schemathesis (pinned in .venv-test by scripts/test-services.sh) generates
 * requests for every operation of /api/v1/openapi.json, valid and invalid, and checks each
 * response against the document: no 5xx, a documented status, the documented content type and
 * a body that matches its schema. Its stateful phase follows the document's links (create a
 * rule → get, update, toggle, delete it; create an entity → get, patch it). Bounded by a fixed
 * seed and examples per operation, so that a run is repeatable: about 3,000 requests, 40 s on an
 * idle machine (2 min at load average 28, when the timeouts here are only a safety net).
 */
const SCHEMATHESIS = join(ROOT, '.venv-test', 'bin', 'schemathesis');
const MAX_EXAMPLES = Number(process.env['FLOWLINE_FUZZ_EXAMPLES'] ?? 10);
const SEED = Number(process.env['FLOWLINE_FUZZ_SEED'] ?? 20261130);
const CHECKS = ['not_a_server_error', 'status_code_conformance', 'content_type_conformance', 'response_schema_conformance'];
const run = promisify(execFile);
const installed = existsSync(SCHEMATHESIS);
if (!installed) console.warn(`contract fuzzing skipped: ${SCHEMATHESIS} is missing; npm run services installs it`);

describe.skipIf(!installed)('schemathesis over the OpenAPI document', () => {
  let api: ApiOnly;
  const dir = tempDir();

  beforeAll(async () => {
    // trusted-header mode (the development default); the rate limits are off, since a fuzzer
    // that meets 429s leaves the logic behind them untested (429 itself is tested in limits.test.ts).
    api = await startApiOnly((security) => {
      security.limits = { ...security.limits, writesPerWindow: 0, eventsPerWindow: 0 };
    });
  });

  afterAll(async () => {
    await api?.stop();
    dir.remove();
  });

  it('when every operation is fuzzed and the links are followed, then no check fails', async () => {
    const har = join(dir.path, 'requests.har');
    const events = join(dir.path, 'events.ndjson');
    const started = Date.now();
    const args = [
      'run', `${api.baseUrl}/api/v1/openapi.json`,
      '--header', 'X-Tenant-ID: fuzz-tenant',
      '--checks', CHECKS.join(','),
      '--max-examples', String(MAX_EXAMPLES),
      '--seed', String(SEED),
      '--workers', '1',
      '--no-shrink',
      '--request-timeout', '10',
      '--report', 'har,ndjson', '--report-har-path', har, '--report-ndjson-path', events,
    ];
    const result = await run(SCHEMATHESIS, args, { cwd: dir.path, maxBuffer: 64 * 1024 * 1024, timeout: 400_000, env: { ...process.env, NO_COLOR: '1' } }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code ?? -1, stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` }),
    );
    const requests = existsSync(har) ? (JSON.parse(readFileSync(har, 'utf8')) as { log: { entries: unknown[] } }).log.entries.length : 0;
    // The stateful steps it took, as "POST /api/v1/automation/rules -> [201] getRule -> GET …".
    const transitions = existsSync(events) ? [...readFileSync(events, 'utf8').matchAll(/"transition":\{"id":"([^"]+)"/g)].map((m) => m[1]!) : [];
    const fromCreatedRule = [...new Set(transitions.filter((t) => t.startsWith('POST /api/v1/automation/rules -> [201]')))];
    const testCases = /Test cases:\s*\n\s*(\d+) generated/.exec(result.stdout)?.[1];
    const failures = /(\d+) unique failures?/.exec(result.stdout)?.[1] ?? '0';
    const links = /API Links:\s*(\d+) covered \/ (\d+) selected/.exec(result.stdout);
    console.log(
      `[contract] schemathesis: ${requests} requests, ${testCases} test cases, ${failures} failures, ` +
        `links covered ${links?.[1]}/${links?.[2]}, ${MAX_EXAMPLES} examples per operation, seed ${SEED}, ${Math.round((Date.now() - started) / 1000)} s\n` +
        `  from a created rule: ${fromCreatedRule.join('; ')}`,
    );

    expect(result.code, result.stdout.slice(result.stdout.indexOf('FAILURES'))).toBe(0);
    expect(result.stdout).toMatch(/Selected: (\d+)\/\1\s+Tested: \1/);
    expect(result.stdout).toMatch(/✅ Stateful/);
    expect(requests).toBeGreaterThan(1000);
    // The document's links let it go on from a rule it created (the example body makes one).
    expect(fromCreatedRule.length).toBeGreaterThan(0);
  }, 420_000);
});
