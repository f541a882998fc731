import type { DeadLetterView } from '@flowline/messaging';
import { CommandError } from './cli-error.ts';


/**
 * The api's /admin/v1 dead-letter routes: how the CLI reaches the in-process bus of a running
 * `npm start`, which holds its dead letters in memory.
 */
export class RemoteDeadLetters {
  readonly #base: string;
  readonly #headers: Record<string, string>;

  constructor(apiUrl: string, token: string | undefined) {
    this.#base = `${apiUrl.replace(/\/+$/, '')}/admin/v1/dead-letters`;
    // The api refuses admin requests without this header (it keeps cross-site forms out).
    this.#headers = { 'x-flowline-admin': 'dlq', ...(token ? { authorization: `Bearer ${token}` } : {}) };
  }

  async list(queue: string, limit: number): Promise<{ total: number; dead_letters: DeadLetterView[] }> {
    return this.#call('GET', `/${queue}?limit=${limit}`);
  }

  async replay(queue: string, limit: number | undefined): Promise<{ replayed: number; message_ids: (string | null)[] }> {
    return this.#call('POST', `/${queue}/replay${limit === undefined ? '' : `?limit=${limit}`}`);
  }

  async purge(queue: string, limit: number | undefined): Promise<number> {
    return (await this.#call<{ purged: number }>('DELETE', `/${queue}${limit === undefined ? '' : `?limit=${limit}`}`)).purged;
  }

  async #call<T>(method: string, path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, { method, headers: this.#headers, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
      throw new CommandError(`cannot reach the api at ${this.#base.replace(/\/admin\/v1.*$/, '')}: ${cause}`);
    }
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 404 && body['code'] === 'route_not_found') {
      throw new CommandError('the api serves no dead letters: it runs on RabbitMQ (use AMQP_URL without --api) or is not `npm start`');
    }
    if (!res.ok) throw new CommandError(`the api answered ${res.status}: ${String(body['detail'] ?? body['title'] ?? res.statusText)}`);
    return body as T;
  }
}
