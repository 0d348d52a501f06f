/**
 * `s3ship doctor`: runs the checks, prints one line per check and the least IAM policy the
 * spec needs, and exits 0 only if a deploy would work (3 when credentials or access are the
 * problem, 1 otherwise; a bad spec never gets here: the loader exits 2).
 */
import type { DeployConfig } from '../config.js';
import { resolveCredentials } from '../credentials.js';
import { DEFAULT_CREDENTIALS } from '../credentials/config.js';
import { S3shipError, type ExitCode } from '../errors.js';
import type { StoreTarget } from '../store/store.js';
import { checkSource, storeChecks, type Check } from './checks.js';
import { minimalPolicy } from './policy.js';
import { probeClient } from './probe-client.js';
import { probeOwner } from './probes.js';

export interface DoctorDeps {
  env: Readonly<Record<string, string | undefined>>;
  out: (line: string) => void;
  err: (line: string) => void;
  json: boolean;
  /** Added to this machine's clock when signing (tests inject a skewed clock). */
  clockOffsetMs: number;
}

export interface DoctorReport {
  target: string;
  checks: Check[];
  ok: boolean;
  policy: ReturnType<typeof minimalPolicy>;
}

export async function runDoctor(config: DeployConfig, deps: DoctorDeps): Promise<DoctorReport> {
  const target: StoreTarget = {
    bucket: config.target.bucket,
    prefix: config.target.prefix,
    region: config.target.region ?? deps.env.AWS_REGION ?? deps.env.AWS_DEFAULT_REGION,
    endpoint: config.target.endpoint,
  };
  const checks: Check[] = [
    { name: 'spec', status: 'ok', message: `${config.specFile ?? 'flags'}: valid` },
    await checkSource(config),
  ];
  const credentials = await resolveCredentials({
    config: config.credentials ?? DEFAULT_CREDENTIALS,
    env: deps.env,
    target,
    now: () => Date.now() + deps.clockOffsetMs,
    warn: (message) => checks.push({ name: 'credentials', status: 'warn', message }),
  }).catch((error: unknown) => {
    if (!(error instanceof S3shipError)) throw error;
    checks.push({ name: 'credentials', status: 'fail', message: error.message, code: error.code });
    return undefined;
  });
  if (credentials) {
    const described = await credentials.described;
    if (described.principal) target.principal = described.principal;
    const key = await credentials.provider();
    checks.push({
      name: 'credentials',
      status: 'ok',
      message: `access key ${key.accessKeyId}${key.sessionToken ? ' with a session token' : ''}${key.expiration ? ` (expires ${key.expiration.toISOString()})` : ''} from ${described.source}`,
    });
    const { client, observed } = probeClient({
      target,
      pathStyle: config.target.pathStyle,
      credentials: credentials.provider,
      maxSockets: 2,
      clockOffsetMs: deps.clockOffsetMs,
    });
    try {
      const now = () => Date.now() + deps.clockOffsetMs;
      const ctx = { client, target, now };
      const store = await storeChecks(config, ctx, observed);
      // Without STS (most S3-compatible stores) the store itself can say whose keys these are.
      if (!described.principal) {
        const owner = await probeOwner(ctx);
        if (typeof owner === 'string')
          checks.push({
            name: 'identity',
            status: 'ok',
            message: `the store knows these keys as ${owner} (ListBuckets owner)`,
          });
      }
      checks.push(...store);
    } finally {
      client.destroy();
    }
  }
  return {
    target: `s3://${target.bucket}/${target.prefix}${target.endpoint ? ` at ${target.endpoint}` : ''}`,
    checks,
    ok: !checks.some((c) => c.status === 'fail'),
    policy: minimalPolicy(config),
  };
}

const CREDENTIAL_CODES =
  /^(CREDENTIALS|SignatureDoesNotMatch|InvalidAccessKeyId|InvalidClientTokenId|ExpiredToken|InvalidToken|AccessDenied|AllAccessDisabled)$/;

export async function doctorCommand(config: DeployConfig, deps: DoctorDeps): Promise<ExitCode> {
  const report = await runDoctor(config, deps);
  const failures = report.checks.filter((c) => c.status === 'fail');
  if (deps.json) {
    deps.out(JSON.stringify(report, null, 2));
  } else {
    deps.out(`s3ship doctor: ${report.target}`);
    for (const c of report.checks)
      deps.out(`${c.status.padEnd(4)}  ${c.name.padEnd(11)} ${c.message}`);
    deps.out('');
    deps.out('Least IAM policy for this spec (attach it to the identity above):');
    deps.out(JSON.stringify(report.policy, null, 2));
    deps.out('');
    const missing = failures.flatMap((c) =>
      c.missing ? [`${c.missing.action} on ${c.missing.resource}`] : [],
    );
    deps.out(
      report.ok
        ? 'doctor: a deploy would work.'
        : `doctor: a deploy would fail (${failures.length} problem${failures.length === 1 ? '' : 's'})${missing.length > 0 ? `; missing: ${[...new Set(missing)].join(', ')}` : ''}.`,
    );
  }
  if (report.ok) return 0;
  return failures.some((c) => c.code !== undefined && CREDENTIAL_CODES.test(c.code)) ? 3 : 1;
}
