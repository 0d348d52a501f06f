/**
 * The process's stdout and stderr, with stdout's lines written a batch per turn of the event
 * loop instead of one write each. A deploy logs a line per file, and on a pipe — a CI runner's
 * log, the benchmark's harness — every write is a system call that wakes the reader. Anything
 * written to stderr first writes what stdout has queued, so the two streams keep their order
 * in a log that merges them; what is queued when the process exits is written then.
 */

/** More than this queued is written at once, without waiting for the turn to end. */
const MAX_QUEUED = 64 * 1024;

let queued = '';
let scheduled = false;
let hooked = false;

/** Writes what stdout has queued. */
export function flushStdout(): void {
  scheduled = false;
  if (queued === '') return;
  const text = queued;
  queued = '';
  process.stdout.write(text);
}

/** A line on stdout, written at the end of this turn of the event loop (or on exit). */
export function outLine(line: string): void {
  queued += `${line}\n`;
  if (!hooked) {
    hooked = true;
    process.on('exit', flushStdout);
  }
  if (queued.length >= MAX_QUEUED) flushStdout();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flushStdout);
  }
}

/** Text on stderr, after what stdout has queued. */
export function errText(text: string): void {
  flushStdout();
  process.stderr.write(text);
}
