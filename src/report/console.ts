/**
 * The plain-log reporter: one line per upload and delete, warnings and failures on stderr,
 * nothing when `--json` owns stdout. (CI-specific reporters arrive with the CI issue.)
 */
import type { DeployEvent, EventSink } from '../events.js';
import { formatBytes } from './summary.js';

export interface ConsoleOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

export interface ConsoleReporter {
  sink: EventSink;
  warnings: string[];
}

export function consoleReporter(
  output: ConsoleOutput,
  options: { json: boolean },
): ConsoleReporter {
  const warnings: string[] = [];
  const say = options.json ? () => undefined : output.out;
  const sink = (event: DeployEvent) => {
    switch (event.type) {
      case 'start':
        if (!options.json)
          output.err(
            `s3ship ${event.dryRun ? 'plan' : 'deploy'}: ${event.source} → ${event.target} (credentials: ${event.credentials})`,
          );
        break;
      case 'phase':
        if (event.phase === 'upload-entries')
          say(`uploading ${event.count ?? 0} entry document(s) last`);
        if (event.phase === 'delete') say(`deleting ${event.count ?? 0} stale key(s)`);
        break;
      case 'uploaded':
        say(
          `upload  ${event.key}  (${event.reason}, ${formatBytes(event.bytes)}${event.parts > 1 ? `, ${event.parts} parts` : ''})`,
        );
        break;
      case 'deleted':
        say(`delete  ${event.key}`);
        break;
      case 'failed':
        output.err(`error: ${event.message}`);
        break;
      case 'retry':
        output.err(
          `retry ${event.attempt}: ${event.operation} ${event.key} got ${event.code}; waiting ${event.waitMs} ms`,
        );
        break;
      case 'warning':
        warnings.push(event.message);
        output.err(`warning: ${event.message}`);
        break;
    }
  };
  return { sink, warnings };
}
