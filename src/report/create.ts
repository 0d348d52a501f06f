/** The reporter for a CI system: the one `--report` names, else the one the environment shows. */
import { gitlabReporter } from './gitlab.js';
import { jenkinsReporter } from './jenkins.js';
import { plainReporter } from './plain.js';
import type { ReportContext, Reporter, ReportKind } from './reporter.js';

export async function createReporter(kind: ReportKind, ctx: ReportContext): Promise<Reporter> {
  switch (kind) {
    case 'github':
      // On demand: @actions/core and its HTTP client are parsed only where GitHub reads them.
      return (await import('./github.js')).githubReporter(ctx);
    case 'gitlab':
      return gitlabReporter(ctx);
    case 'jenkins':
      return jenkinsReporter(ctx);
    case 'plain':
      return plainReporter(ctx);
  }
}
