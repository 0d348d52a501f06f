/**
 * Who the credentials are, for the log and for access-denied explanations: one STS
 * GetCallerIdentity, signed by the SDK's own SigV4 signer and sent over plain node:http(s).
 *
 * Not the SDK's STSClient: loading it costs ~40 ms of CPU on every run (measured with
 * --cpu-prof, Node 24), more than the call itself, and this answer is informational — when it
 * fails the deploy goes on and the log says why. The call runs while the scan and the listing
 * do (deploy.ts), so on AWS its round trip is hidden too.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 */
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { http, https } from '../node-http.js';
import { SigningHash } from '../store/signing-hash.js';
import { readXml } from '../store/s3-xml.js';
import { USER_AGENT } from '../version.js';
import type { StsSettings } from './sts.js';

/** Who the credentials are, or why the store would not say. */
export type CallerIdentity =
  { known: true; arn: string; account: string | undefined } | { known: false; reason: string };

const BODY = 'Action=GetCallerIdentity&Version=2011-06-15';

/** AWS's regional STS endpoint (what the SDK uses by default), unless one is configured. */
export function stsEndpoint(settings: StsSettings): URL {
  if (settings.endpoint) return new URL(settings.endpoint);
  const suffix = settings.region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return new URL(`https://sts.${settings.region}.${suffix}/`);
}

export async function callerIdentity(
  settings: StsSettings,
  credentials: AwsCredentialIdentityProvider,
  timeoutMs = 5000,
): Promise<CallerIdentity> {
  const url = stsEndpoint(settings);
  try {
    const signer = new SignatureV4({
      service: 'sts',
      region: settings.region,
      credentials,
      sha256: SigningHash,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'content-length': String(Buffer.byteLength(BODY)),
        'user-agent': USER_AGENT,
      },
      body: BODY,
    });
    const { status, body } = await post(url, signed.headers, timeoutMs);
    const answer = fieldsOf(body);
    if (status === 200 && answer.Arn)
      return { known: true, arn: answer.Arn, account: answer.Account || undefined };
    if (status === 200)
      return { known: false, reason: 'GetCallerIdentity answered without an ARN' };
    const code = answer.Code;
    return {
      known: false,
      reason:
        code === 'NotImplemented' || status === 404 || status === 405 || status === 501
          ? `the STS endpoint does not implement GetCallerIdentity (HTTP ${status})`
          : `GetCallerIdentity failed: ${code ?? 'no error code'} (HTTP ${status})`,
    };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    return {
      known: false,
      reason: `GetCallerIdentity failed: ${e.code ?? e.message} (${url.host})`,
    };
  }
}

/** The answer's leaves (Arn, Account, or an error's Code); none when it is not XML. */
function fieldsOf(body: Buffer): Record<string, string | undefined> {
  try {
    return body.length > 0 ? readXml(body).fields : {};
  } catch {
    return {};
  }
}

function post(
  url: URL,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? https : http).request(
      url,
      { method: 'POST', headers, signal: AbortSignal.timeout(timeoutMs) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(BODY);
  });
}
