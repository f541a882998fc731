import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A RabbitMQ node of this test's own, on other ports and directories: the shared broker must
 * never be stopped, so a broker restart is only ever done to this one.
 */
export class PrivateBroker {
  readonly node: string;
  readonly port: number;
  readonly url: string;
  readonly #dir: string;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.node = `flowline-faults-${port}@localhost`;
    this.url = `amqp://guest:guest@127.0.0.1:${port}`;
    this.#dir = dir;
  }

  /** Starts the node and resolves once it accepts AMQP connections; rejects when it cannot. */
  static async start(port = 5699): Promise<PrivateBroker> {
    const dir = mkdtempSync(join(tmpdir(), 'flowline-rabbit-'));
    const broker = new PrivateBroker(port, dir);
    mkdirSync(join(dir, 'mnesia'));
    mkdirSync(join(dir, 'log'));
    writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
    // The system config pins the shared broker's listener; this node gets its own.
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.local = 127.0.0.1:${port}\nloopback_users = none\n`);
    const owner = await run('id', ['-u', 'rabbitmq']).then(
      ({ stdout }) => Number(stdout.trim()),
      () => undefined,
    );
    if (owner !== undefined) {
      for (const path of [dir, join(dir, 'mnesia'), join(dir, 'log'), join(dir, 'enabled_plugins'), join(dir, 'rabbitmq.conf')]) {
        chownSync(path, owner, owner);
      }
    }
    await run('rabbitmq-server', ['-detached'], { cwd: dir, env: { ...process.env, ...broker.#env() }, timeout: 60_000 });
    await broker.#waitForPort(true, 60_000);
    return broker;
  }

  async stopApp(): Promise<void> {
    await this.#ctl('stop_app');
  }

  async startApp(): Promise<void> {
    await this.#ctl('start_app');
    await this.#waitForPort(true, 60_000);
  }

  async shutdown(): Promise<void> {
    await this.#ctl('stop').catch(() => {});
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #env(): Record<string, string> {
    return {
      RABBITMQ_NODENAME: this.node,
      RABBITMQ_NODE_PORT: String(this.port),
      RABBITMQ_DIST_PORT: String(this.port + 20_000),
      RABBITMQ_CONFIG_FILE: join(this.#dir, 'rabbitmq.conf'),
      RABBITMQ_MNESIA_BASE: join(this.#dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.#dir, 'log'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.#dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(this.#dir, 'pid'),
    };
  }

  async #ctl(command: string): Promise<void> {
    await run('rabbitmqctl', ['-n', this.node, command], { timeout: 60_000 });
  }

  async #waitForPort(open: boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await portOpen(this.port)) === open) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`RabbitMQ node ${this.node} did not ${open ? 'open' : 'close'} port ${this.port} within ${timeoutMs} ms`);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
