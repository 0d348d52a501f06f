/**
 * Why STS refused a web identity token. AWS says it in the error code; Ceph RGW answers a bare
 * 403, so s3ship looks at the token itself (after the refusal, never instead of asking STS):
 * expired or not yet valid, signed by a key its issuer does not publish (fetched from the
 * issuer's discovery document, as STS does), or issued for another audience. The token itself
 * is never printed; its claims (iss, aud, sub) are not secrets.
 */
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload } from 'jose';

export interface TokenVerdict {
  /** What is wrong, e.g. `the token expired at 2026-…`. */
  cause: string;
  fix: string;
}

export interface DiagnoseOptions {
  /** The audience s3ship asked for or expects (credentials.web_identity.audience). */
  audience: string;
  /** How to get a fresh token from this source. */
  renewHint: string;
  /** Where the token came from, for the audience fix (a variable or file name). */
  origin: string;
  roleArn: string;
  now: number;
  timeoutMs?: number;
}

const list = (aud: JWTPayload['aud']): string[] =>
  aud === undefined ? [] : Array.isArray(aud) ? aud : [aud];

export async function diagnoseToken(token: string, o: DiagnoseOptions): Promise<TokenVerdict> {
  let claims: JWTPayload;
  try {
    claims = decodeJwt(token);
  } catch {
    return {
      cause: `the value from ${o.origin} is not a JWT`,
      fix: `pass the raw ID token (three base64url parts separated by dots) in ${o.origin}`,
    };
  }
  const seconds = Math.floor(o.now / 1000);
  if (claims.exp !== undefined && claims.exp <= seconds) {
    return {
      cause: `the token expired at ${new Date(claims.exp * 1000).toISOString()} (${seconds - claims.exp} s ago)`,
      fix: o.renewHint,
    };
  }
  if (claims.nbf !== undefined && claims.nbf > seconds + 60) {
    return {
      cause: `the token is not valid before ${new Date(claims.nbf * 1000).toISOString()}`,
      fix: "synchronise this machine's clock (NTP)",
    };
  }
  const signature = await checkSignature(token, claims.iss, o.timeoutMs ?? 5000);
  if (signature) return signature;
  const audiences = list(claims.aud);
  if (!audiences.includes(o.audience)) {
    return {
      cause: `the token's audience is ${audiences.map((a) => `"${a}"`).join(', ') || 'missing'}, not "${o.audience}"`,
      fix: `issue it for "${o.audience}" (GitLab: \`aud: ${o.audience}\` under id_tokens), or set credentials.web_identity.audience to the audience the identity provider lists`,
    };
  }
  return {
    cause: `STS does not accept this token for role ${o.roleArn} (issuer ${claims.iss ?? '?'}, audience "${audiences.join('", "')}", subject "${claims.sub ?? '?'}")`,
    fix: `register issuer ${claims.iss ?? '?'} as an OIDC identity provider whose client ids (audiences) include "${audiences[0] ?? o.audience}", and allow subject "${claims.sub ?? '?'}" in the role's trust policy (or correct role_arn)`,
  };
}

/** A verdict when the signature does not verify with the issuer's published keys. */
async function checkSignature(
  token: string,
  issuer: string | undefined,
  timeoutMs: number,
): Promise<TokenVerdict | undefined> {
  if (!issuer || !/^https?:\/\//.test(issuer)) return undefined;
  let jwksUri: string;
  try {
    const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const doc = (await res.json()) as { jwks_uri?: unknown };
    if (!res.ok || typeof doc.jwks_uri !== 'string') return undefined;
    jwksUri = doc.jwks_uri;
  } catch {
    return undefined; // the issuer is not reachable from here; STS may still reach it
  }
  try {
    // Only the signature matters here: the time claims were checked against our own clock.
    await jwtVerify(token, createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: timeoutMs }), {
      currentDate: new Date(0),
      clockTolerance: Number.MAX_SAFE_INTEGER,
    });
    return undefined;
  } catch (error) {
    if (
      error instanceof errors.JWSSignatureVerificationFailed ||
      error instanceof errors.JWKSNoMatchingKey
    ) {
      return {
        cause: `the token's signature does not match any key its issuer ${issuer} publishes (it was signed by another key: another issuer or environment, or a forged token)`,
        fix: 'use a token issued by that issuer for this job, or register the issuer that really signed it',
      };
    }
    return undefined;
  }
}
