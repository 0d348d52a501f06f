/**
 * Heap sizing for deploys of many files. V8's defaults suit a long-running server: the young
 * generation grows to 64 MB semi-spaces whenever many objects survive a scavenge (a deploy's
 * per-file records all do), and the old generation may grow to several times what is live
 * before a full collection. A no-change deploy of 200,000 files peaked at ~600 MB RSS that way
 * for ~110 MB live.
 *
 * So once a scan passes MANY_FILES, the young generation stops growing and the old one grows
 * by half of what is live. Measured on that 200,000-file deploy (2 cores): peak RSS 595 →
 * ~230 MB (with the leaner records of the same change), wall time the same (the extra GC
 * work, ~1.5 s of CPU, runs beside the main thread). Not from the start: on 2,000 files the
 * same settings cost ~10% of a no-change deploy's wall time (more scavenges while the modules
 * load), for no memory worth saving.
 *
 * Both flags are read by V8 each time it sizes a space, so setting them at run time takes
 * effect (the semi-space *maximum* would not: it is fixed when the heap is set up, and a CLI or
 * an action cannot pass node flags). A V8 that drops a flag ignores it: nothing breaks, memory
 * is just as it would be without.
 */
import v8 from 'node:v8';

/** From this many files on, memory matters more than the last percent of speed. */
export const MANY_FILES = 20_000;

let tuned = false;

/** Called as a scan counts files; sizes the heap for a large tree once, at MANY_FILES. */
export function heapForFiles(count: number): void {
  if (tuned || count < MANY_FILES) return;
  tuned = true;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=50');
}
