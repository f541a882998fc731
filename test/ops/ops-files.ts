import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigSchema } from '@flowline/config';
import { ROOT } from '../support/harness.ts';

/** Every variable Flowline reads: what compose files and manifests may set. */
export const CONFIG_KEYS = new Set(Object.keys(ConfigSchema.shape));

export type Manifest = Record<string, any> & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string } & Record<string, any> };

/** Every YAML document of a text, failing on any parse error. */
export function parseYamlDocuments(text: string, source: string): any[] {
  return parseAllDocuments(text, { merge: true }).map((document) => {
    if (document.errors.length > 0) throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
    return document.toJS();
  }).filter((doc) => doc !== null && doc !== undefined);
}

/** The YAML files under a directory, relative to the repository root. */
export function yamlFilesUnder(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry)) found.push(relative(ROOT, full));
    }
  };
  walk(join(ROOT, dir));
  return found.sort();
}

export function readRepoFile(path: string): string {
  return readFileSync(join(ROOT, path), 'utf8');
}

/** The role a container runs, from its command `node apps/<role>/src/main.ts`. */
export function roleOf(command: unknown): string | undefined {
  const text = Array.isArray(command) ? command.join(' ') : String(command ?? '');
  return /apps\/([a-z]+)\/src\/main\.ts/.exec(text)?.[1];
}

/** The variable naming the port each role serves /health, /ready and /metrics on. */
export const PORT_VARIABLE = {
  api: 'PORT',
  engine: 'ENGINE_HEALTH_PORT',
  executor: 'EXECUTOR_HEALTH_PORT',
} as const;

export type Role = keyof typeof PORT_VARIABLE;
