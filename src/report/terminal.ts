/**
 * The process's own stdout and stderr as a Terminal. Colour follows the terminal and the common
 * conventions: NO_COLOR turns it off, FORCE_COLOR (0 off, anything else on) overrides.
 */
import type { Env, Terminal } from './reporter.js';
import { errText, outLine } from './stdout-lines.js';

export function processTerminal(env: Env): Terminal {
  const tty = process.stderr.isTTY;
  const forced = env.FORCE_COLOR;
  const color = forced !== undefined && forced !== '' ? forced !== '0' : tty && !env.NO_COLOR;
  return {
    out: outLine,
    err: (line) => errText(`${line}\n`),
    errRaw: errText,
    tty,
    outTty: process.stdout.isTTY,
    ...(tty && process.stderr.columns > 0 ? { columns: process.stderr.columns } : {}),
    color,
  };
}
