/**
 * Progress: a live bar in a terminal that log lines pass above, periodic plain lines in a CI log
 * (only while uploads run), and the numbers they show.
 */
import { afterEach, describe, expect, jest, test } from '@jest/globals';
import type { DeployEvent } from '../../src/events.js';
import {
  formatDuration,
  progressLine,
  progressPart,
  type ProgressState,
} from '../../src/report/progress.js';
import { recordingTerminal, reportContext } from './report-support.js';

afterEach(() => {
  jest.useRealTimers();
});

const MB = 1_000_000;

describe('progress numbers', () => {
  test('files, bytes, percentage, rate and ETA', () => {
    const state: ProgressState = {
      files: 12,
      totalFiles: 40,
      bytes: 30 * MB,
      totalBytes: 100 * MB,
      failed: 0,
      startedAt: 0,
    };
    expect(progressLine(state, 10_000)).toBe(
      '12/40 files, 30.0 MB of 100.0 MB (30%), 3.0 MB/s, ETA 24 s',
    );
    expect(progressLine({ ...state, failed: 2 }, 10_000)).toMatch(/, 2 failed$/);
    expect(progressLine({ ...state, bytes: 0, files: 0 }, 0)).toMatch(/ETA —$/);
  });

  test('durations read naturally', () => {
    expect(formatDuration(0.2)).toBe('1 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
  });
});

function feed(part: ReturnType<typeof progressPart>, events: DeployEvent[]) {
  for (const e of events) part.sink?.(e);
}

const plan: DeployEvent = {
  type: 'plan',
  upload: 4,
  update: 0,
  uploadBytes: 4 * MB,
  delete: 0,
  skip: 0,
  keep: 0,
};
const uploaded = (key: string): DeployEvent => ({
  type: 'uploaded',
  key,
  bytes: MB,
  reason: 'new',
  parts: 1,
});

describe('without a terminal (a CI log)', () => {
  test('a progress line every interval while uploads run, none before and none after', async () => {
    jest.useFakeTimers({ now: 0 });
    const terminal = recordingTerminal({ tty: false });
    const part = progressPart(
      reportContext(terminal, { progressIntervalSeconds: 5, now: Date.now }),
    );
    feed(part, [plan]);
    jest.advanceTimersByTime(20_000);
    expect(terminal.stderr).toEqual([]); // scanning and comparing: no progress line yet
    feed(part, [{ type: 'phase', phase: 'upload-assets', count: 4 }, uploaded('a'), uploaded('b')]);
    jest.advanceTimersByTime(4_999);
    expect(terminal.stderr).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(terminal.stderr).toEqual([
      'progress: 2/4 files, 2.0 MB of 4.0 MB (50%), 400.0 kB/s, ETA 5 s',
    ]);
    jest.advanceTimersByTime(5_000);
    expect(terminal.stderr).toHaveLength(2);
    await part.finish?.(undefined as never);
    jest.advanceTimersByTime(60_000);
    expect(terminal.stderr).toHaveLength(2);
    expect(terminal.screen.join('')).not.toContain('\x1b');
  });

  test('interval 0 turns the lines off', () => {
    jest.useFakeTimers({ now: 0 });
    const terminal = recordingTerminal({ tty: false });
    const part = progressPart(reportContext(terminal, { progressIntervalSeconds: 0 }));
    feed(part, [plan, { type: 'phase', phase: 'upload-assets', count: 4 }, uploaded('a')]);
    jest.advanceTimersByTime(60_000);
    expect(terminal.stderr).toEqual([]);
  });
});

describe('in a terminal', () => {
  test('a live bar redrawn in place; log lines clear it and it comes back under them', async () => {
    jest.useFakeTimers({ now: 0 });
    const terminal = recordingTerminal({ tty: true });
    const part = progressPart(reportContext(terminal, { now: Date.now }));
    feed(part, [plan, { type: 'phase', phase: 'upload-assets', count: 4 }]);
    jest.advanceTimersByTime(1000);
    feed(part, [uploaded('a')]);
    part.terminal.out('upload  a  (new, 1.0 MB)');
    const screen = terminal.screen;
    const bar = (s: string | undefined) => s?.startsWith('\r\x1b[2K[') ?? false;
    expect(screen).toContain(
      '\r\x1b[2K[####------------] 1/4 files, 1.0 MB/4.0 MB, 1.0 MB/s, ETA 3 s',
    );
    const line = screen.indexOf('upload  a  (new, 1.0 MB)\n');
    expect(screen[line - 1]).toBe('\r\x1b[2K'); // cleared before the line
    expect(bar(screen[line + 1])).toBe(true); // and redrawn after it
    await part.finish?.(undefined as never);
    expect(screen.at(-1)).toBe('\r\x1b[2K'); // gone when the run ends
  });
});
