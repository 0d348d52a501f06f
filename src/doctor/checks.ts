/**
 * `s3ship doctor`: would a deploy of this spec work from here, and if not, why? Each check is
 * a request a deploy makes (or a fact it depends on), run against the real store without
 * uploading anything real: a probe object under the prefix is written, read and deleted.
 */
import { stat } from 'node:fs/promises';
import type { DeployConfig, ObjectSettings } from '../config.js';
import { formatSkew, type Permission } from '../explain.js';
import type { StoreTarget } from '../store/store.js';
import { usesAcls } from './policy.js';
import type { Observed } from './probe-client.js';
import {
  failed,
  probeDelete,
  probeGet,
  probeKey,
  probeList,
  probePut,
  probeRegion,
  removeProbe,
  type ProbeContext,
} from './probes.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

export interface Check {
  name: string;
  status: CheckStatus;
  message: string;
  /** The IAM permission whose absence made the check fail. */
  missing?: Permission;
  /** The store's error code, when a request failed. */
  code?: string;
}

/** S3 refuses signatures more than 15 minutes off; past a minute something is drifting. */
const MAX_SKEW_MS = 15 * 60_000;
const WARN_SKEW_MS = 60_000;

export async function checkSource(config: DeployConfig): Promise<Check> {
  const info = await stat(config.source).catch(() => undefined);
  if (!info?.isDirectory())
    return {
      name: 'source',
      status: 'fail',
      message: `${config.source} is not a directory — fix source in the spec (or --source)`,
    };
  return { name: 'source', status: 'ok', message: `${config.source} is a directory` };
}

/** Everything after the credentials, in the order a deploy would meet the problems. */
export async function storeChecks(
  config: DeployConfig,
  ctx: ProbeContext,
  observed: Observed,
): Promise<Check[]> {
  const t = ctx.target;
  const checks: Check[] = [];
  const listError = await probeList(ctx);
  checks.push(signingCheck(observed));
  const clock = clockCheck(observed);
  checks.push(clock);
  if (clock.status === 'fail') return [...checks, skipped('the clock has to be fixed first')];
  if (listError && listError.code !== 'AccessDenied')
    return [
      ...checks,
      failed('list', listError, t, 'ListObjectsV2'),
      skipped('the bucket is not usable'),
    ];
  checks.push(await regionCheck(ctx, () => observed.bucketRegion));
  checks.push(
    listError
      ? failed('list', listError, t, 'ListObjectsV2')
      : okCheck('list', `s3:ListBucket on arn:aws:s3:::${t.bucket} (prefix "${t.prefix}")`),
  );
  checks.push(...(await objectChecks(config, ctx)));
  return checks;
}

async function objectChecks(config: DeployConfig, ctx: ProbeContext): Promise<Check[]> {
  const t = ctx.target;
  const key = probeKey(t.prefix);
  const checks: Check[] = [];
  const putError = await probePut(ctx, key);
  if (putError)
    return [failed('put', putError, t, `PutObject ${key}`), skipped('nothing was written')];
  checks.push(
    okCheck('put', `s3:PutObject on arn:aws:s3:::${t.bucket}/${t.prefix}* (probe ${key})`),
  );
  for (const [label, settings] of aclVariants(config)) {
    const e = await probePut(ctx, key, settings, label);
    checks.push(
      e
        ? failed('acl', e, t, `PutObject with ${label}`)
        : okCheck('acl', `the store accepts objects with ${label}`),
    );
  }
  const getError = await probeGet(ctx, key);
  checks.push(
    getError
      ? failed('get', getError, t, `GetObject ${key}`)
      : okCheck('get', `s3:GetObject: the probe reads back byte for byte`),
  );
  // A deploy deletes (with DeleteObjects) only with `delete: true`; the probe goes either way.
  const deleteError = config.delete.enabled ? await probeDelete(ctx, key) : undefined;
  if (deleteError) checks.push(failed('delete', deleteError, t, `DeleteObjects ${key}`));
  else if (config.delete.enabled)
    checks.push(okCheck('delete', `s3:DeleteObject (DeleteObjects): the probe ${key} was removed`));
  if (deleteError || !config.delete.enabled) {
    const left = await removeProbe(ctx, key);
    checks.push(
      left
        ? {
            name: 'cleanup',
            status: 'warn',
            message: `could not remove the probe ${key} (${left.code}): delete it by hand${config.delete.enabled ? '' : ' (with delete off a deploy needs no s3:DeleteObject)'}`,
          }
        : okCheck('cleanup', `the probe ${key} was removed`),
    );
  }
  return checks;
}

/** Each distinct ACL / grant set the rules send, with a label for messages. */
function aclVariants(config: DeployConfig): [string, ObjectSettings][] {
  if (!usesAcls(config)) return [];
  const seen = new Map<string, ObjectSettings>();
  for (const r of config.rules) {
    const s: ObjectSettings = {};
    if (r.acl) s.acl = r.acl;
    if (r.grantRead) s.grantRead = r.grantRead;
    if (r.grantReadAcp) s.grantReadAcp = r.grantReadAcp;
    if (r.grantWriteAcp) s.grantWriteAcp = r.grantWriteAcp;
    if (r.grantFullControl) s.grantFullControl = r.grantFullControl;
    if (Object.keys(s).length === 0) continue;
    const label = Object.entries(s)
      .map(([k, v]) => (k === 'acl' ? `acl ${String(v)}` : `${k} ${String(v)}`))
      .join(', ');
    seen.set(label, s);
  }
  return [...seen];
}

function signingCheck(observed: Observed): Check {
  if (!observed.algorithm)
    return { name: 'signing', status: 'warn', message: 'no request was signed (see above)' };
  const [, region, service] = (observed.scope ?? '').split('/');
  const v4 = observed.algorithm === 'AWS4-HMAC-SHA256';
  return {
    name: 'signing',
    status: v4 ? 'ok' : 'fail',
    message: `requests are signed with ${v4 ? 'SigV4' : observed.algorithm} (${observed.algorithm}), signing region ${region ?? '?'}, service ${service ?? '?'}`,
  };
}

function clockCheck(observed: Observed): Check {
  const d = observed.firstDate;
  if (!d) return { name: 'clock', status: 'warn', message: 'the store sent no Date header' };
  const skew = d.serverMs - d.localMs;
  // The Date header has whole seconds: anything under 2 s is within its resolution.
  const text =
    Math.abs(skew) < 2000
      ? "this machine's clock agrees with the store's Date header (within 2 s)"
      : `this machine's clock is ${formatSkew(skew)} ${skew > 0 ? 'behind' : 'ahead of'} the store's Date header`;
  if (Math.abs(skew) > MAX_SKEW_MS)
    return {
      name: 'clock',
      status: 'fail',
      message: `${text}: S3 refuses signatures more than 15 minutes off (RequestTimeTooSkewed) — fix: synchronise the clock (NTP: chrony or systemd-timesyncd)`,
      code: 'RequestTimeTooSkewed',
    };
  if (Math.abs(skew) > WARN_SKEW_MS)
    return { name: 'clock', status: 'warn', message: `${text}; S3 refuses 15 minutes — check NTP` };
  return okCheck('clock', text);
}

async function regionCheck(ctx: ProbeContext, seen: () => string | undefined): Promise<Check> {
  const t: StoreTarget = ctx.target;
  const { region, how } = await probeRegion(ctx, seen);
  const configured = t.region ?? 'us-east-1 (nothing configured)';
  if (!region)
    return {
      name: 'region',
      status: 'warn',
      message: `unknown (${how}); requests are signed for ${configured}`,
    };
  if (t.endpoint && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region))
    return okCheck(
      'region',
      `the store names its location "${region}" (${how}); requests are signed for ${configured}`,
    );
  if (region !== t.region)
    return {
      name: 'region',
      status: 'warn',
      message: `bucket ${t.bucket} is in ${region} (${how}), not ${configured}: every request is redirected first — fix: set target.region: ${region}`,
    };
  return okCheck('region', `bucket ${t.bucket} is in ${region} (${how}), as configured`);
}

function okCheck(name: string, message: string): Check {
  return { name, status: 'ok', message };
}

function skipped(why: string): Check {
  return { name: 'probes', status: 'skip', message: `not run: ${why}` };
}
