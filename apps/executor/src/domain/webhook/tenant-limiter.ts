/** Thrown when a tenant has no free slot: the command is put off rather than holding a consumer. */
export class TenantBusyError extends Error {
  override readonly name = 'TenantBusyError';
}

/**
 * At most `perTenant` calls in flight per tenant in this process, so one tenant's slow endpoint
 * holds a few of an executor's consumers, never all of them. A call that finds no slot within
 * `waitMs` fails with TenantBusyError instead of queueing behind the slow ones.
 */
export class TenantLimiter {
  readonly #perTenant: number;
  readonly #active = new Map<string, number>();
  readonly #waiters = new Map<string, Array<() => void>>();

  constructor(perTenant: number) {
    this.#perTenant = perTenant;
  }

  async run<T>(tenant: string, waitMs: number, work: () => Promise<T>): Promise<T> {
    if ((this.#active.get(tenant) ?? 0) < this.#perTenant) this.#active.set(tenant, (this.#active.get(tenant) ?? 0) + 1);
    else if (!(await this.#wait(tenant, waitMs))) throw new TenantBusyError(`tenant already has ${this.#perTenant} webhook calls in flight`);
    try {
      return await work();
    } finally {
      // A waiter takes the slot over as it is (still counted); otherwise it is freed.
      const next = this.#waiters.get(tenant)?.shift();
      if (next) next();
      else {
        const left = (this.#active.get(tenant) ?? 1) - 1;
        if (left === 0) this.#active.delete(tenant);
        else this.#active.set(tenant, left);
      }
    }
  }

  #wait(tenant: string, waitMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(tenant) ?? [];
      this.#waiters.set(tenant, waiters);
      const wake = () => {
        clearTimeout(timer);
        if (waiters.length === 0) this.#waiters.delete(tenant);
        resolve(true);
      };
      const timer = setTimeout(() => {
        const at = waiters.indexOf(wake);
        if (at >= 0) waiters.splice(at, 1);
        if (waiters.length === 0) this.#waiters.delete(tenant);
        resolve(false);
      }, waitMs);
      waiters.push(wake);
    });
  }
}
