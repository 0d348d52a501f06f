/** The reporter for a CI system: the one `--report` names, else the one the environment shows. */
import { githubReporter } from './github.js';
import { gitlabReporter } from './gitlab.js';
import { jenkinsReporter } from './jenkins.js';
import { plainReporter } from './plain.js';
import type { ReportContext, Reporter, ReportKind } from './reporter.js';

export function createReporter(kind: ReportKind, ctx: ReportContext): Reporter {
  switch (kind) {
    case 'github':
      return githubReporter(ctx);
    case 'gitlab':
      return gitlabReporter(ctx);
    case 'jenkins':
      return jenkinsReporter(ctx);
    case 'plain':
      return plainReporter(ctx);
  }
}
