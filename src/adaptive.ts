/**
 * Adaptive concurrency: when the store throttles (`503 SlowDown` and kin), fewer requests go
 * out at once, and the number creeps back up as requests succeed — additive increase,
 * multiplicative decrease (AIMD), the rule TCP uses for the same problem. S3 asks clients to
 * do exactly this: https://docs.aws.amazon.com/AmazonS3/latest/userguide/optimizing-performance.html
 * ("…reduce your request rate when you receive 503 Slow Down errors").
 *
 * The limit never exceeds the configured `concurrency` and never drops below 1: it only ever
 * narrows the p-limit queue it drives, so "never more than `concurrency` in flight" still holds.
 *
 * It counts successes too, for the retries (execute.ts): a request refused while others
 * succeed is refused by a busy store, not a failing one, and that refusal does not use up one
 * of its attempts.
 */
import { THROTTLE_CODES } from './store/s3-errors.js';
import { StoreError } from './store/store.js';

/** True for errors that mean "too many requests": 503, 429 and the throttling codes. */
export function isThrottle(error: unknown): boolean {
  if (!(error instanceof StoreError)) return false;
  const status = error.details.status;
  return THROTTLE_CODES.has(error.code) || status === 503 || status === 429;
}

export interface AimdOptions {
  /** The configured concurrency: the limit starts here and never goes above it. */
  max: number;
  /** Floor of the limit (default 1). */
  min?: number;
  /** Factor applied on throttling (default 0.5). */
  decrease?: number;
  /** Hears every change of the whole-number limit. */
  onChange?: (change: LimitChange) => void;
}

export interface LimitChange {
  limit: number;
  previous: number;
  /** The throttling error behind a cut. */
  cause?: unknown;
  /** A cut to a level lower than any before (worth telling the user; repeats are not). */
  newLow: boolean;
}

/**
 * An AIMD limit. Call `started()` when a request starts and pass its ticket to `succeeded()` or
 * `throttled()`. A cut happens at most once per round: throttles of requests that started
 * before the last cut are the same congestion, already answered, so they do not cut again.
 */
export class AimdLimit {
  private window: number;
  private readonly max: number;
  private readonly min: number;
  private readonly decrease: number;
  private tickets = 0;
  /** Tickets at or below this started before the last cut. */
  private lastCut = 0;
  /** Cuts so far (for reports and tests). */
  cuts = 0;
  /** Requests that succeeded so far. */
  successes = 0;
  /** Lowest limit reached. */
  lowest: number;

  constructor(private readonly options: AimdOptions) {
    if (!Number.isInteger(options.max) || options.max < 1) {
      throw new TypeError(`AimdLimit: max must be a positive integer, got ${options.max}`);
    }
    this.max = options.max;
    this.min = Math.min(options.min ?? 1, this.max);
    this.decrease = options.decrease ?? 0.5;
    if (!(this.decrease > 0 && this.decrease < 1)) {
      throw new TypeError(`AimdLimit: decrease must be between 0 and 1, got ${this.decrease}`);
    }
    this.window = this.max;
    this.lowest = this.max;
  }

  /** The whole number of requests allowed in flight now. */
  get limit(): number {
    return Math.max(this.min, Math.min(this.max, Math.floor(this.window)));
  }

  started(): number {
    return ++this.tickets;
  }

  /** About one more request in flight per full window of successes. */
  succeeded(_ticket: number): void {
    this.successes++;
    if (this.window >= this.max) return;
    const before = this.limit;
    this.window = Math.min(this.max, this.window + 1 / this.window);
    this.changed(before, false);
  }

  throttled(ticket: number, cause?: unknown): void {
    if (ticket <= this.lastCut) return;
    const before = this.limit;
    const lowest = this.lowest;
    this.lastCut = this.tickets;
    this.cuts++;
    this.window = Math.max(this.min, this.window * this.decrease);
    this.lowest = Math.min(this.lowest, this.limit);
    this.changed(before, this.limit < lowest, cause);
  }

  private changed(previous: number, newLow: boolean, cause?: unknown): void {
    const limit = this.limit;
    if (limit === previous) return;
    this.options.onChange?.({ limit, previous, newLow, ...(cause === undefined ? {} : { cause }) });
  }
}
