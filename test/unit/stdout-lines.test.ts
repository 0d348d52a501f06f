/**
 * The log's lines go to stdout a batch per turn of the event loop (one system call, not one
 * per file), and never out of order with stderr: a warning written after a line appears after
 * it in a log that merges both streams.
 */
import { afterEach, beforeEach, describe, expect, jest, test } from '@jest/globals';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { errText, flushStdout, outLine } from '../../src/report/stdout-lines.js';

let writes: [string, string][];

beforeEach(() => {
  writes = [];
  const record = (stream: string) =>
    ((chunk: string | Uint8Array) => {
      writes.push([stream, String(chunk)]);
      return true;
    }) as typeof process.stdout.write;
  jest.spyOn(process.stdout, 'write').mockImplementation(record('out'));
  jest.spyOn(process.stderr, 'write').mockImplementation(record('err'));
});

afterEach(() => {
  flushStdout();
  jest.restoreAllMocks();
});

describe('stdout lines', () => {
  test("one turn's lines are one write; stderr waits for them; the next turn's follow", async () => {
    outLine('upload a');
    outLine('upload b');
    expect(writes).toEqual([]);
    errText('warning: c\n');
    outLine('upload d');
    await nextTurn();
    expect(writes).toEqual([
      ['out', 'upload a\nupload b\n'],
      ['err', 'warning: c\n'],
      ['out', 'upload d\n'],
    ]);
  });

  test('a large backlog is written at once, without waiting for the turn to end', () => {
    const line = 'x'.repeat(70 * 1024);
    outLine(line);
    expect(writes).toEqual([['out', `${line}\n`]]);
  });
});
