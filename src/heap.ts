/**
 * Heap sizing for deploys of many files. V8's defaults suit a long-running server: the young
 * generation grows to 64 MB semi-spaces whenever many objects survive a scavenge (a deploy's
 * per-file records all do), and the old generation may grow to several times what is live
 * before a full collection. A no-change deploy of 200,000 files peaked at ~600 MB RSS that way
 * for ~110 MB live.
 *
 * So once a scan passes SIZED_FROM files, the young generation stops growing and the old one
 * grows by half of what is live. Measured on that 200,000-file deploy (2 cores): peak RSS 595 →
 * ~230 MB (with the leaner records of the same change), wall time the same (the extra GC
 * work, ~1.5 s of CPU, runs beside the main thread). Not from the start: on 2,000 files the
 * same settings cost ~10% of a no-change deploy's wall time (more scavenges while the modules
 * load), for no memory worth saving. Not from 20,000 files either, as it was until session 7:
 * the scan, now on its own thread, hands records over faster than the walk used to find them,
 * and the main thread's young generation had already grown to 34 MB by then (16 MB semi-spaces,
 * nearly empty at the peak): peak RSS of the 200,000-file no-change deploy 249–267 MB (5 runs);
 * from 4,000 files, 17 MB and 224–241 MB, wall 9.18 → 9.85 s (medians of 5, 7% more for the
 * extra scavenges). 20,000 files: 146–153 → 130–136 MB, 1.46 → 1.42 s (5 pairs).
 *
 * Both flags are read by V8 each time it sizes a space, so setting them at run time takes
 * effect (the semi-space *maximum* would not: it is fixed when the heap is set up, and a CLI or
 * an action cannot pass node flags). A V8 that drops a flag ignores it: nothing breaks, memory
 * is just as it would be without.
 */
import v8 from 'node:v8';

/** From this many files on, memory matters more than the last percent of speed. */
export const MANY_FILES = 20_000;

/**
 * The heap is sized for a large tree from this many files on: above the standard 2,000-file
 * deploy, below the point where the young generation has grown (see above).
 */
const SIZED_FROM = 4_000;

let tuned = false;

/** Called as a scan counts files; sizes the heap for a large tree once, at SIZED_FROM. */
export function heapForFiles(count: number): void {
  if (tuned || count < SIZED_FROM) return;
  tuned = true;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
  v8.setFlagsFromString('--heap-growing-percent=50');
}
