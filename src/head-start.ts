/**
 * Uploads that start before the plan is complete. A key the listing has passed without
 * finding it is new whatever the rest of the listing says, so its upload can begin while the
 * rest of the tree is still being scanned and compared: on a first deploy the store works
 * during the scan instead of waiting for it, and a big new file's parts go up while thousands
 * of other files are compared. Only assets start early (entry documents wait for every
 * asset), and the executor reports each one when it reaches it in the plan, so the order the
 * live site sees and the reports are those of a plan executed from the start.
 *
 * Bounded: at most `inFlight` files at once (the executor's own file concurrency), and at most
 * `total` files in all — enough to keep the store busy until the plan is ready, without a
 * promise kept per file of a 200,000-file tree. A file offered beyond that waits for the plan.
 */
import type { PlanItem } from './plan.js';
import { StoreError } from './store/store.js';
import type { Uploaded } from './upload.js';

export class HeadStart {
  private readonly started = new Map<string, Promise<Uploaded>>();
  private running = 0;
  /** No more early starts: the plan is executing, the deploy was abandoned, or one failed fatally. */
  private closed = false;

  constructor(
    private readonly upload: (item: PlanItem) => Promise<Uploaded>,
    private readonly limits: { inFlight: number; total: number },
  ) {}

  /** Starts `item` now if it may start early and there is room; otherwise the plan runs it. */
  offer(item: PlanItem): void {
    if (this.closed || item.action !== 'upload' || item.file?.entry) return;
    if (this.started.has(item.key)) return;
    if (this.running >= this.limits.inFlight || this.started.size >= this.limits.total) return;
    this.running++;
    const upload = this.upload(item);
    this.started.set(item.key, upload);
    upload.then(
      () => this.running--,
      (error: unknown) => {
        this.running--;
        // Bad keys or a refused PutObject would fail every other upload the same way.
        if (error instanceof StoreError && error.details.fatal) this.closed = true;
      },
    );
  }

  /** The upload started early for `key`, if any. */
  get(key: string): Promise<Uploaded> | undefined {
    return this.started.get(key);
  }

  /** Starts nothing more; resolves once every upload started early is settled. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled(this.started.values());
  }
}
