/**
 * Builds the browser console (apps/console → apps/console/dist), which the api serves at /console.
 * Run by `npm ci`/`npm install` (root `prepare`) and before `npm start` (`prestart`, with
 * --if-stale), so the README's two commands need nothing else.
 *   node scripts/build-console.ts               build now
 *   node scripts/build-console.ts --if-missing  only when there is no build yet
 *   node scripts/build-console.ts --if-stale    only when a source file is newer than the build
 * Without vite (a production install, `--omit=dev`) it says so and exits 0: the api still runs
 * and /console explains how to build.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../apps/console');
const built = join(root, 'dist/index.html');

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestSource(join(path, name))));
}

export function consoleBuildNeeded(mode: 'always' | 'if-missing' | 'if-stale'): boolean {
  if (mode === 'always' || !existsSync(built)) return true;
  if (mode === 'if-missing') return false;
  const sources = ['src', 'index.html', 'vite.config.ts', 'package.json'].map((p) => join(root, p)).filter(existsSync);
  return Math.max(...sources.map(newestSource)) > statSync(built).mtimeMs;
}

export async function buildConsole(mode: 'always' | 'if-missing' | 'if-stale' = 'always'): Promise<boolean> {
  if (!consoleBuildNeeded(mode)) return false;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    console.warn('[console] vite is not installed (production install?): the console is not built; the api still runs.');
    return false;
  }
  const started = Date.now();
  // Vite keeps a NODE_ENV it finds (vitest sets `test`), which would bundle React's development build.
  const nodeEnv = process.env['NODE_ENV'];
  process.env['NODE_ENV'] = 'production';
  try {
    await vite.build({ root, configFile: join(root, 'vite.config.ts'), mode: 'production', logLevel: 'warn' });
  } finally {
    if (nodeEnv === undefined) delete process.env['NODE_ENV'];
    else process.env['NODE_ENV'] = nodeEnv;
  }
  console.log(`[console] built apps/console/dist in ${Date.now() - started} ms`);
  return true;
}

if (import.meta.main) {
  const mode = process.argv.includes('--if-missing') ? 'if-missing' : process.argv.includes('--if-stale') ? 'if-stale' : 'always';
  await buildConsole(mode);
}
