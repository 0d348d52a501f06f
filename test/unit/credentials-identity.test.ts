/**
 * GetCallerIdentity on the lean path. Ceph RGW does not implement it (the e2e profile test
 * shows the 405 line against the gateway), so a local endpoint answering as AWS STS does shows
 * the request is a signed STS call and that each kind of answer becomes the right log text.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { callerIdentity, stsEndpoint } from '../../src/credentials/identity.js';

const keys = async () => ({ accessKeyId: 'AKIAWHO', secretAccessKey: 'who-secret' });
let answer: { status: number; body: string } = { status: 200, body: '' };
const seen: { body: string; authorization: string; contentType: string }[] = [];
let endpoint = '';
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d: Buffer) => (body += d.toString()));
  req.on('end', () => {
    seen.push({
      body,
      authorization: req.headers.authorization ?? '',
      contentType: req.headers['content-type'] ?? '',
    });
    res.writeHead(answer.status, { 'content-type': 'text/xml' }).end(answer.body);
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('a signed GetCallerIdentity; the ARN and account are read from the answer', async () => {
  answer = {
    status: 200,
    body:
      '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>' +
      '<Arn>arn:aws:iam::123456789012:user/ci</Arn><UserId>AIDA1</UserId><Account>123456789012</Account>' +
      '</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>',
  };
  const who = await callerIdentity({ endpoint, region: 'eu-west-1' }, keys);
  expect(who).toEqual({
    known: true,
    arn: 'arn:aws:iam::123456789012:user/ci',
    account: '123456789012',
  });
  const request = seen.at(-1);
  expect(new URLSearchParams(request?.body)).toEqual(
    new URLSearchParams({ Action: 'GetCallerIdentity', Version: '2011-06-15' }),
  );
  expect(request?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
  expect(request?.authorization).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIAWHO\/\d{8}\/eu-west-1\/sts\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
  );
  expect(request?.authorization).not.toContain('who-secret');
});

test('a store without the call (405), an STS error and no endpoint each say why', async () => {
  answer = { status: 405, body: '' };
  expect(await callerIdentity({ endpoint, region: 'us-east-1' }, keys)).toEqual({
    known: false,
    reason: 'the STS endpoint does not implement GetCallerIdentity (HTTP 405)',
  });
  answer = {
    status: 403,
    body: '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>bad</Message></Error></ErrorResponse>',
  };
  expect(await callerIdentity({ endpoint, region: 'us-east-1' }, keys)).toEqual({
    known: false,
    reason: 'GetCallerIdentity failed: InvalidClientTokenId (HTTP 403)',
  });
  const closed = await callerIdentity(
    { endpoint: 'http://127.0.0.1:9', region: 'us-east-1' },
    keys,
  );
  expect(closed).toEqual({
    known: false,
    reason: 'GetCallerIdentity failed: ECONNREFUSED (127.0.0.1:9)',
  });
});

test('without a configured endpoint, the regional AWS one', () => {
  expect(stsEndpoint({ endpoint: undefined, region: 'eu-west-1' }).href).toBe(
    'https://sts.eu-west-1.amazonaws.com/',
  );
  expect(stsEndpoint({ endpoint: undefined, region: 'cn-north-1' }).href).toBe(
    'https://sts.cn-north-1.amazonaws.com.cn/',
  );
});
