import { AsyncLocalStorage } from "node:async_hooks";
import { DeadlineExceededError } from "./errors.js";

/**
 * How long a delivery may take, from arrival to answer. GitHub gives up after 10 s and never retries on its own:
 * 8 s leaves room for the answer to travel and for a cold start's first milliseconds.
 */
export const DELIVERY_DEADLINE_MS = 8_000;

/**
 * One delivery's time budget: an absolute end, a signal that aborts at that end, and a list of what is running,
 * so that the line logged when time runs out names what it was waiting for.
 */
export class Deadline {
  readonly ms: number;
  readonly at: number;
  readonly #timer: NodeJS.Timeout;
  readonly #running = new Map<number, string>();
  #nextId = 0;
  #atExpiry: string[] = [];
  #reason: DeadlineExceededError | undefined;
  /** Created on first use: a ping or an ignored event never needs one, and making one is a visible share of such a
   * delivery's cost (`npm run bench`). */
  #controller: AbortController | undefined;
  readonly #onExpire = new Set<(reason: Error) => void>();

  constructor(ms: number, now = Date.now()) {
    this.ms = Math.max(0, ms);
    this.at = now + this.ms;
    this.#timer = setTimeout(() => this.#expire(), this.ms);
    // A finished delivery must not keep the process (or a test) alive.
    this.#timer.unref();
  }

  #expire(): void {
    // Taken before aborting: the aborted calls remove themselves from the list as they unwind.
    this.#atExpiry = this.running();
    const reason = new DeadlineExceededError(`the delivery's ${this.ms} ms ran out`);
    this.#reason = reason;
    this.#controller?.abort(reason);
    for (const listener of this.#onExpire) listener(reason);
    this.#onExpire.clear();
  }

  /** Aborts when the deadline passes, with a DeadlineExceededError as its reason. */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.#reason && !this.#controller.signal.aborted) this.#controller.abort(this.#reason);
    return this.#controller.signal;
  }

  remaining(now = Date.now()): number {
    return Math.max(0, this.at - now);
  }

  get expired(): boolean {
    return this.#reason !== undefined;
  }

  /** Throws rather than start `what` with less than `needMs` left: work that cannot finish in time is not begun. */
  check(what: string, needMs = 0): void {
    const left = this.remaining();
    if (this.expired || left <= needMs) {
      throw new DeadlineExceededError(`${what} not started: ${left} ms left of the delivery's ${this.ms} ms`);
    }
  }

  /** Runs `fn` under the label `what`, listed by `running()` while it runs. */
  async track<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const id = this.#nextId++;
    this.#running.set(id, what);
    try {
      return await fn();
    } finally {
      this.#running.delete(id);
    }
  }

  /** What is running now, each label once. */
  running(): string[] {
    return [...new Set(this.#running.values())];
  }

  /** What was running when the time ran out (empty before that). */
  runningAtExpiry(): string[] {
    return this.#atExpiry;
  }

  /** `promise`'s outcome, or a DeadlineExceededError as soon as the deadline passes, whatever `promise` does. */
  race<T>(promise: Promise<T>): Promise<T> {
    // The loser may still settle later: its outcome is deliberately dropped (nothing unhandled).
    promise.catch(() => {});
    if (this.#reason) return Promise.reject(this.#reason);
    return new Promise<T>((resolve, reject) => {
      this.#onExpire.add(reject);
      promise.then(
        (value) => {
          this.#onExpire.delete(reject);
          resolve(value);
        },
        (err: unknown) => {
          this.#onExpire.delete(reject);
          reject(err);
        },
      );
    });
  }

  /** Stops the timer once the delivery is answered. */
  dispose(): void {
    clearTimeout(this.#timer);
  }
}

/** Carries the delivery's deadline across Probot, which only passes the event on to the handlers. */
const current = new AsyncLocalStorage<Deadline>();

export function runWithDeadline<T>(deadline: Deadline, fn: () => T): T {
  return current.run(deadline, fn);
}

export function currentDeadline(): Deadline | undefined {
  return current.getStore();
}

/** True when `err` (or, for Probot's AggregateError, any error inside it) is the deadline running out. */
export function isDeadlineError(err: unknown): boolean {
  if (err instanceof DeadlineExceededError) return true;
  return err instanceof AggregateError && err.errors.some(isDeadlineError);
}
