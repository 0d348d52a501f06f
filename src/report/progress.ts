/**
 * Upload progress. In a terminal: a live bar on stderr (files, bytes, rate, ETA), redrawn in
 * place, that log lines pass above. Elsewhere (a CI log is no terminal): one plain line every
 * few seconds while uploads run, so a long deploy never looks hung, and a short one prints none.
 *
 * Counted per file (an `uploaded` event carries a whole file's bytes), so one huge multipart
 * file moves the bar when it completes. Hand-rolled rather than a progress-bar package: the bar
 * must share the screen with the log lines of two streams, which those packages do not handle.
 */
import type { DeployEvent } from '../events.js';
import type { ReportContext, ReporterPart, Terminal } from './reporter.js';
import { formatBytes } from './summary.js';

export interface ProgressState {
  files: number;
  totalFiles: number;
  bytes: number;
  totalBytes: number;
  failed: number;
  /** When the first upload phase began (ms), undefined before. */
  startedAt: number | undefined;
}

export interface Progress extends ReporterPart {
  /** The terminal to write log lines through: they clear the bar first and redraw it after. */
  terminal: Terminal;
}

const BAR_WIDTH = 16;
/** The bar's rate and ETA are refreshed this often even when no file completes. */
const REDRAW_MS = 1000;

export function progressPart(ctx: ReportContext): Progress {
  const now = ctx.now ?? Date.now;
  const base = ctx.terminal;
  const state: ProgressState = {
    files: 0,
    totalFiles: 0,
    bytes: 0,
    totalBytes: 0,
    failed: 0,
    startedAt: undefined,
  };
  let timer: NodeJS.Timeout | undefined;
  let barShown = false;
  const live = base.tty;

  const clearBar = () => {
    if (barShown) base.errRaw('\r\x1b[2K');
    barShown = false;
  };
  const drawBar = () => {
    if (!live || state.startedAt === undefined || timer === undefined) return;
    const width = Math.max(20, (base.columns || 80) - 1);
    base.errRaw(`\r\x1b[2K${progressBar(state, now()).slice(0, width)}`);
    barShown = true;
  };
  const around = (write: (line: string) => void) => (line: string) => {
    const hide = barShown;
    if (hide) clearBar();
    write(line);
    if (hide) drawBar();
  };
  const terminal: Terminal = {
    ...base,
    out: base.outTty ? around(base.out) : base.out,
    err: around(base.err),
    errRaw: base.errRaw,
  };

  const start = () => {
    if (state.startedAt !== undefined) return;
    state.startedAt = now();
    if (live) timer = setInterval(drawBar, REDRAW_MS);
    else if (ctx.progressIntervalSeconds > 0)
      timer = setInterval(
        () => base.err(`progress: ${progressLine(state, now())}`),
        ctx.progressIntervalSeconds * 1000,
      );
    // A progress timer must never keep a finished process alive.
    timer?.unref();
    drawBar();
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
    clearBar();
  };

  const sink = (event: DeployEvent) => {
    switch (event.type) {
      case 'plan':
        // An update is a file's worth of work with no bytes: counted as a file.
        state.totalFiles = event.upload + event.update;
        state.totalBytes = event.uploadBytes;
        break;
      case 'phase':
        if (event.phase === 'upload-assets' || event.phase === 'upload-entries') start();
        else if (event.phase === 'delete') stop();
        break;
      case 'uploaded':
        state.files++;
        state.bytes += event.bytes;
        drawBar();
        break;
      case 'updated':
        state.files++;
        drawBar();
        break;
      case 'failed':
        if (event.operation !== 'delete') state.failed++;
        drawBar();
        break;
      default:
        break;
    }
  };
  return { terminal, sink, finish: stop, fail: stop };
}

/** `12/40 files, 1.2 MB of 3.4 MB (35%), 2.1 MB/s, ETA 1 s` */
export function progressLine(state: ProgressState, nowMs: number): string {
  const { rate, eta } = speed(state, nowMs);
  const failed = state.failed > 0 ? `, ${state.failed} failed` : '';
  return (
    `${state.files}/${state.totalFiles} files, ${formatBytes(state.bytes)} of ` +
    `${formatBytes(state.totalBytes)} (${percent(state)}%), ${formatBytes(rate)}/s, ETA ${eta}${failed}`
  );
}

/** `[#####-----------] 12/40 files, 1.2 MB/3.4 MB, 2.1 MB/s, ETA 1 s` (fits 80 columns) */
export function progressBar(state: ProgressState, nowMs: number): string {
  const filled = Math.round((percent(state) / 100) * BAR_WIDTH);
  const { rate, eta } = speed(state, nowMs);
  const failed = state.failed > 0 ? `, ${state.failed} failed` : '';
  return (
    `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${state.files}/${state.totalFiles} files, ` +
    `${formatBytes(state.bytes)}/${formatBytes(state.totalBytes)}, ${formatBytes(rate)}/s, ETA ${eta}${failed}`
  );
}

function speed(state: ProgressState, nowMs: number): { rate: number; eta: string } {
  const elapsed = state.startedAt === undefined ? 0 : (nowMs - state.startedAt) / 1000;
  const rate = elapsed > 0 ? state.bytes / elapsed : 0;
  const left = Math.max(0, state.totalBytes - state.bytes);
  return { rate, eta: rate > 0 ? formatDuration(left / rate) : '—' };
}

function percent(state: ProgressState): number {
  const fraction =
    state.totalBytes > 0
      ? state.bytes / state.totalBytes
      : state.totalFiles > 0
        ? state.files / state.totalFiles
        : 0;
  return Math.min(100, Math.floor(fraction * 100));
}

/** `7 s`, `2 min 05 s`, `1 h 02 min` */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
