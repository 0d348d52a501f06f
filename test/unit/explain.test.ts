/**
 * Every S3 failure a user can hit becomes one line naming the cause and the fix. These tests
 * pin the lines for the errors the local gateway cannot produce (wrong region, SigV2-only
 * regions, ACLs disabled, expired tokens, TLS), and the facts classification carries into
 * them: the bucket's real region, the measured clock skew, the ACL a refused request sent.
 */
import { describe, expect, test } from '@jest/globals';
import { explainStoreError, explanationOf, formatSkew, permissionFor } from '../../src/explain.js';
import { classifyError, toStoreError } from '../../src/store/s3-errors.js';
import { StoreError, type StoreTarget } from '../../src/store/store.js';

const target: StoreTarget = {
  bucket: 'site',
  prefix: 'www/',
  region: 'us-east-1',
  endpoint: undefined,
};

function storeError(
  code: string,
  extra: Partial<StoreError['details']> = {},
  message = '',
): StoreError {
  return new StoreError(code, message, {
    retryable: false,
    fatal: true,
    operation: 'PutObject',
    key: 'www/app.js',
    ...extra,
  });
}

const line = (e: StoreError, t: StoreTarget = target) => explainStoreError(e, t);

describe('one line per S3 error, with the cause and the fix', () => {
  test('SignatureDoesNotMatch blames the secret (or a proxy) and says which variable to fix', () => {
    const text = line(storeError('SignatureDoesNotMatch', { status: 403 }));
    expect(text).toMatch(
      /^PutObject of www\/app\.js in s3:\/\/site failed: SignatureDoesNotMatch \(HTTP 403\) — /,
    );
    expect(text).toContain('secret access key is wrong or mangled');
    expect(text).toContain('fix: set AWS_SECRET_ACCESS_KEY');
  });

  test('InvalidAccessKeyId names the store that does not know the key', () => {
    const text = line(storeError('InvalidAccessKeyId'), {
      ...target,
      endpoint: 'http://127.0.0.1:9',
    });
    expect(text).toContain('the store at http://127.0.0.1:9 does not know this access key id');
  });

  test('ExpiredToken says to get fresh temporary credentials', () => {
    expect(line(storeError('ExpiredToken'))).toMatch(
      /session token \(AWS_SESSION_TOKEN\) has expired; fix: get fresh temporary credentials/,
    );
  });

  test('"Please use AWS4-HMAC-SHA256" is explained as a SigV2 client, presigned forms included', () => {
    const e = storeError(
      'InvalidRequest',
      { status: 400 },
      'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
    );
    const text = line(e);
    expect(text).toContain('signed with the old Signature Version 2');
    expect(text).toContain('presigned URLs and browser POST forms included');
    // RGW sends no message: the generic InvalidRequest line still names SigV2 as the usual cause
    expect(line(storeError('InvalidRequest'))).toContain(
      'old SigV2 ("Please use AWS4-HMAC-SHA256")',
    );
  });

  test.each(['PermanentRedirect', 'AuthorizationHeaderMalformed'])(
    "%s names the bucket's real region and the setting to change",
    (code) => {
      const text = line(
        storeError(code, { region: 'eu-west-1', status: code === 'PermanentRedirect' ? 301 : 400 }),
      );
      expect(text).toContain('bucket site is in region eu-west-1, not us-east-1');
      expect(text).toContain('fix: set target.region to eu-west-1 (or --region)');
    },
  );

  test('a bare 301 (a HEAD has no body) is a wrong region too', () => {
    const e = storeError('UnknownError', { status: 301, region: 'ap-southeast-2' });
    expect(line(e)).toContain('is in region ap-southeast-2');
  });

  test('AccessDenied names the IAM action and the ARN each operation needs', () => {
    const denied = (operation: string) =>
      line(storeError('AccessDenied', { status: 403, operation }));
    expect(denied('ListObjectsV2')).toContain('lack s3:ListBucket on arn:aws:s3:::site ');
    expect(denied('PutObject')).toContain('lack s3:PutObject on arn:aws:s3:::site/www/*');
    expect(denied('UploadPart')).toContain('lack s3:PutObject on arn:aws:s3:::site/www/*');
    expect(denied('DeleteObjects')).toContain('lack s3:DeleteObject on arn:aws:s3:::site/www/*');
    expect(denied('HeadObject')).toContain('lack s3:GetObject on arn:aws:s3:::site/www/*');
    expect(denied('PutObject')).toContain('fix: allow "s3:PutObject" on "arn:aws:s3:::site/www/*"');
  });

  test('AccessDenied on a PUT that carried an ACL names s3:PutObjectAcl and Block Public Access', () => {
    const text = line(storeError('AccessDenied', { status: 403, acl: 'x-amz-acl: public-read' }));
    expect(text).toContain('with its ACL (x-amz-acl: public-read)');
    expect(text).toContain('s3:PutObjectAcl');
    expect(text).toContain('BlockPublicAcls');
  });

  test('AccessControlListNotSupported: drop the ACL or enable ACLs', () => {
    const text = line(storeError('AccessControlListNotSupported', { status: 400 }));
    expect(text).toContain('bucket site has ACLs disabled');
    expect(text).toContain('remove acl / grant_* from the spec');
    expect(text).toContain('enable ACLs');
  });

  test('NoSuchBucket names the bucket and the endpoint', () => {
    const text = line(storeError('NoSuchBucket', { status: 404 }), {
      ...target,
      endpoint: 'http://127.0.0.1:7480',
    });
    expect(text).toContain('bucket "site" does not exist at http://127.0.0.1:7480');
  });

  test('RequestTimeTooSkewed states the measured skew and its direction', () => {
    expect(line(storeError('RequestTimeTooSkewed', { skewMs: 3_600_000 }))).toContain(
      "this machine's clock is 60 min behind the store's",
    );
    expect(line(storeError('RequestTimeTooSkewed', { skewMs: -5.5 * 3_600_000 }))).toContain(
      "clock is 5.5 h ahead of the store's",
    );
    expect(line(storeError('RequestTimeTooSkewed'))).toContain('more than 15 minutes');
  });

  test('checksum headers an S3-compatible store refuses point at the 2025 SDK default', () => {
    for (const e of [
      storeError('MissingContentLength', { status: 411 }),
      storeError('InvalidArgument', { status: 400 }, 'x-amz-checksum-crc32 is not supported'),
      storeError('InvalidRequest', { status: 400 }, 'Unsupported checksum algorithm'),
    ]) {
      const text = line(e);
      expect(text).toContain('checksum headers or aws-chunked trailers');
      expect(text).toContain('AWS_REQUEST_CHECKSUM_CALCULATION=when_required');
    }
  });

  test('DNS, refused connections and TLS errors name the host and what to change', () => {
    const net = (code: string, message: string, t: StoreTarget = target) =>
      line(storeError(code, { operation: 'ListObjectsV2' }, message), t);
    const custom = { ...target, endpoint: 'https://s3.example.test' };
    expect(net('ENOTFOUND', 'getaddrinfo ENOTFOUND s3.example.test', custom)).toContain(
      'the host name s3.example.test does not resolve (DNS)',
    );
    expect(net('ENOTFOUND', 'getaddrinfo ENOTFOUND site.s3.eu-west1.amazonaws.com')).toContain(
      'check target.region',
    );
    expect(net('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1', custom)).toContain(
      'nothing accepts connections at 127.0.0.1:1',
    );
    expect(net('EPROTO', 'write EPROTO ... wrong version number', custom)).toContain(
      'does not speak TLS there: the endpoint is plain HTTP',
    );
    expect(net('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate', custom)).toContain(
      'NODE_EXTRA_CA_CERTS',
    );
    expect(
      net(
        'ERR_TLS_CERT_ALTNAME_INVALID',
        "Hostname/IP does not match certificate's altnames",
        custom,
      ),
    ).toContain('path_style: true');
  });

  test("an unknown code keeps the store's own message, or says there was none", () => {
    expect(line(storeError('Weird', {}, 'something odd'))).toMatch(
      /failed: Weird — something odd$/,
    );
    expect(line(storeError('Weird'))).toMatch(/— the store gave no message$/);
    expect(explanationOf(storeError('Weird'), target)).toBeUndefined();
  });
});

describe('classification keeps the facts the explanations need', () => {
  test('the region comes from x-amz-bucket-region, the Region field, or the Endpoint field', () => {
    const sdk = (fields: Record<string, unknown>) =>
      toStoreError(
        { name: 'PermanentRedirect', $metadata: { httpStatusCode: 301 }, ...fields },
        'ListObjectsV2',
        undefined,
      );
    expect(
      sdk({ $response: { headers: { 'x-amz-bucket-region': 'eu-central-1' } } }).details.region,
    ).toBe('eu-central-1');
    expect(sdk({ Region: 'us-west-2' }).details.region).toBe('us-west-2');
    expect(sdk({ Endpoint: 'site.s3.ap-northeast-1.amazonaws.com' }).details.region).toBe(
      'ap-northeast-1',
    );
  });

  test("the skew is the store's Date minus the signing clock, only for RequestTimeTooSkewed", () => {
    const serverDate = 'Mon, 23 Nov 2026 10:00:00 GMT';
    const ourClock = Date.parse(serverDate) - 3_600_000;
    const skewed = classifyError({
      code: 'RequestTimeTooSkewed',
      message: '',
      status: 403,
      retryAfter: undefined,
      operation: 'ListObjectsV2',
      key: undefined,
      cause: undefined,
      serverDate,
      now: () => ourClock,
    });
    expect(skewed.details.skewMs).toBe(3_600_000);
    const other = classifyError({
      code: 'AccessDenied',
      message: '',
      status: 403,
      retryAfter: undefined,
      operation: 'ListObjectsV2',
      key: undefined,
      cause: undefined,
      serverDate,
      now: () => ourClock,
    });
    expect(other.details.skewMs).toBeUndefined();
  });

  test('a refused request keeps the ACL it sent', () => {
    const e = toStoreError(
      { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } },
      'PutObject',
      'k',
      { acl: 'x-amz-acl: public-read' },
    );
    expect(e.details.acl).toBe('x-amz-acl: public-read');
  });

  test('permissionFor and formatSkew', () => {
    expect(permissionFor('GetBucketLocation', target)).toEqual({
      action: 's3:GetBucketLocation',
      resource: 'arn:aws:s3:::site',
    });
    expect(formatSkew(45_000)).toBe('45 s');
    expect(formatSkew(-20 * 60_000)).toBe('20 min');
  });
});
