/**
 * What s3ship says when STS refuses a web identity token and does not say why (Ceph RGW answers
 * a bare 403): the token is read, and its issuer's published keys fetched, to tell the user which
 * of expired / another key / another audience / not trusted it is. Local issuer, no STS.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { diagnoseToken } from '../../src/credentials/diagnose.js';
import { explainStsFailure } from '../../src/credentials/explain-sts.js';
import { StsFailure, toStsFailure } from '../../src/credentials/sts.js';
import { startOidcIssuer, type OidcIssuer } from '../support/oidc.js';

let issuer: OidcIssuer;
beforeAll(async () => {
  issuer = await startOidcIssuer();
});
afterAll(() => issuer.close());

const options = () => ({
  audience: 'sts.amazonaws.com',
  renewHint: 'get a new one',
  origin: 'token variable ID_TOKEN',
  roleArn: 'arn:aws:iam::123456789012:role/deploy',
  now: Date.now(),
});

describe('diagnoseToken', () => {
  test('expired, with when and how long ago', async () => {
    const token = await issuer.sign({ sub: 's', aud: 'sts.amazonaws.com', ttlSeconds: -300 });
    const v = await diagnoseToken(token, options());
    expect(v.cause).toMatch(/^the token expired at \S+Z \(30\d s ago\)$/);
    expect(v.fix).toBe('get a new one');
  });

  test('signed by a key the issuer does not publish (found through its discovery document)', async () => {
    const before = issuer.hits.get('/jwks') ?? 0;
    const token = await issuer.sign({ sub: 's', aud: 'sts.amazonaws.com', otherKey: true });
    const v = await diagnoseToken(token, options());
    expect(v.cause).toContain(`does not match any key its issuer ${issuer.url} publishes`);
    expect(issuer.hits.get('/jwks')).toBeGreaterThan(before);
  });

  test('another audience, naming both', async () => {
    const token = await issuer.sign({ sub: 's', aud: 'api://other' });
    const v = await diagnoseToken(token, options());
    expect(v.cause).toBe('the token\'s audience is "api://other", not "sts.amazonaws.com"');
  });

  test('a valid token STS still refuses: issuer, audience and subject to trust', async () => {
    const token = await issuer.sign({
      sub: 'repo:o/r:ref:refs/heads/main',
      aud: 'sts.amazonaws.com',
    });
    const v = await diagnoseToken(token, options());
    expect(v.cause).toContain(
      `issuer ${issuer.url}, audience "sts.amazonaws.com", subject "repo:o/r:ref:refs/heads/main"`,
    );
    expect(v.fix).toContain(
      'allow subject "repo:o/r:ref:refs/heads/main" in the role\'s trust policy',
    );
  });

  test('not a JWT at all, without echoing the value', async () => {
    const v = await diagnoseToken('definitely-not-a-jwt-secret', options());
    expect(v.cause).toBe('the value from token variable ID_TOKEN is not a JWT');
    expect(JSON.stringify(v)).not.toContain('definitely-not-a-jwt-secret');
  });
});

describe('STS failures in one line', () => {
  test("AWS's codes keep their meaning; RGW's bare statuses get one", () => {
    const aws = toStsFailure('AssumeRoleWithWebIdentity', {
      name: 'IDPCommunicationErrorException',
      Code: 'IDPCommunicationError',
      $metadata: { httpStatusCode: 400 },
    });
    expect(aws.code).toBe('IDPCommunicationError');
    const rgw = toStsFailure('AssumeRole', {
      name: 'Unknown',
      message: 'UnknownError',
      $metadata: { httpStatusCode: 403 },
    });
    expect([rgw.code, rgw.message]).toEqual(['AccessDenied', '']);
    const down = toStsFailure('AssumeRole', { name: 'Error', cause: { code: 'ECONNREFUSED' } });
    expect(down.code).toBe('ECONNREFUSED');
  });

  test('each line names operation, role, endpoint, code, cause and fix', () => {
    const context = {
      roleArn: 'arn:aws:iam::1:role/r',
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
    };
    const lines = [
      new StsFailure('AssumeRole', 'AccessDenied', 403, ''),
      new StsFailure('AssumeRoleWithWebIdentity', 'IDPCommunicationError', 400, ''),
      new StsFailure('AssumeRole', 'ECONNREFUSED', undefined, ''),
      new StsFailure('AssumeRole', 'RegionDisabledException', 403, ''),
      new StsFailure(
        'AssumeRole',
        'ValidationError',
        400,
        'DurationSeconds exceeds the 1 hour session limit',
      ),
    ].map((f) => explainStsFailure(f, context));
    for (const line of lines) {
      expect(line).toMatch(
        /^AssumeRole(WithWebIdentity)? for role arn:aws:iam::1:role\/r at http:\/\/127\.0\.0\.1:9 failed: \w+( \(HTTP \d+\))? — .+; fix: .+\.$/,
      );
      expect(line).not.toContain('\n');
    }
    expect(lines[0]).toContain('may not assume arn:aws:iam::1:role/r');
    expect(lines[2]).toContain('nothing answers at http://127.0.0.1:9');
    expect(lines[4]).toContain('(DurationSeconds exceeds the 1 hour session limit)');
  });
});
