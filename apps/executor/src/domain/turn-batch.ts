/**
 * Collects the items asked for in one turn of the event loop and hands them to `write` as one call, right
 * after that turn: what finishes together is stored together, and nothing waits for what finishes later.
 * Every caller's promise settles with its group's write.
 */
export class TurnBatch<T> {
  readonly #write: (items: T[]) => Promise<void>;
  #group: Array<{ item: T; resolve: () => void; reject: (error: unknown) => void }> = [];

  constructor(write: (items: T[]) => Promise<void>) {
    this.#write = write;
  }

  add(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#group.length === 0) setImmediate(() => this.#flush());
      this.#group.push({ item, resolve, reject });
    });
  }

  #flush(): void {
    const group = this.#group;
    this.#group = [];
    let written: Promise<void>;
    try {
      written = this.#write(group.map(({ item }) => item));
    } catch (error) {
      written = Promise.reject(error);
    }
    written.then(
      () => group.forEach(({ resolve }) => resolve()),
      (error: unknown) => group.forEach(({ reject }) => reject(error)),
    );
  }
}
