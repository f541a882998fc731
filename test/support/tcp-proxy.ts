import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay between the bus and RabbitMQ, to make real network faults on demand: drop every
 * connection, refuse new ones, or freeze traffic so that a publish is never confirmed.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<Socket>();
  readonly #held: Array<{ to: Socket; data: Buffer }> = [];
  #frozen = false;
  #refusing = false;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
  }

  /** Listens on a free local port and relays to the broker of `amqpUrl`. */
  static async start(amqpUrl: string): Promise<TcpProxy> {
    const { hostname, port } = new URL(amqpUrl);
    const server = createServer();
    const proxy = new TcpProxy(server, { host: hostname, port: Number(port || 5672) });
    server.on('connection', (client) => proxy.#relay(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** `amqpUrl` pointed at the proxy instead of the broker. */
  urlFor(amqpUrl: string): string {
    const url = new URL(amqpUrl);
    url.hostname = '127.0.0.1';
    url.port = String(this.#port());
    return url.toString();
  }

  /** Holds all bytes in both directions while keeping the connections open. */
  freeze(): void {
    this.#frozen = true;
  }

  thaw(): void {
    this.#frozen = false;
    for (const { to, data } of this.#held.splice(0)) if (!to.destroyed) to.write(data);
  }

  /** New connections are closed at once, as if the broker were down. */
  refuseConnections(refuse: boolean): void {
    this.#refusing = refuse;
  }

  /** Cuts every open connection, as a broker restart or network failure would. */
  dropConnections(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
    this.#held.length = 0;
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #port(): number {
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy is not listening');
    return address.port;
  }

  #relay(client: Socket): void {
    if (this.#refusing) {
      client.destroy();
      return;
    }
    const upstream = connect(this.#target);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.#sockets.add(from);
      from.on('data', (data) => {
        if (this.#frozen) this.#held.push({ to, data });
        else to.write(data);
      });
      const end = (): void => {
        to.destroy();
        this.#sockets.delete(from);
      };
      from.on('close', end);
      from.on('error', end);
    }
  }
}
