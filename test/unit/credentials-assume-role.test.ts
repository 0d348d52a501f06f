/**
 * What `assume_role` puts on the wire. Ceph RGW refuses every AssumeRole whose trust policy has
 * an `sts:ExternalId` condition (even with the right id), so the gateway cannot show the external
 * id is sent; a local endpoint that records the AssumeRole request body (and answers as AWS STS
 * does) shows it here, with the session name and duration, signed by the base credentials.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveCredentials } from '../../src/credentials.js';
import { DEFAULT_CREDENTIALS } from '../../src/credentials/config.js';

const requests: { body: URLSearchParams; authorization: string }[] = [];
let endpoint = '';
const server = http.createServer((req, res) => {
  let text = '';
  req.on('data', (d: Buffer) => (text += d.toString()));
  req.on('end', () => {
    requests.push({
      body: new URLSearchParams(text),
      authorization: req.headers.authorization ?? '',
    });
    res
      .writeHead(200, { 'content-type': 'text/xml' })
      .end(
        `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
          `<Credentials><AccessKeyId>ASIACHAINED</AccessKeyId><SecretAccessKey>chained-secret</SecretAccessKey>` +
          `<SessionToken>chained-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>` +
          `<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/deploy/site</Arn><AssumedRoleId>AROA1:site</AssumedRoleId></AssumedRoleUser>` +
          `</AssumeRoleResult></AssumeRoleResponse>`,
      );
  });
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

test('assume_role sends the role, external id, session name and duration, signed by the base keys', async () => {
  const masked: string[] = [];
  const resolved = await resolveCredentials({
    config: {
      ...DEFAULT_CREDENTIALS,
      assumeRole: {
        roleArn: 'arn:aws:iam::123456789012:role/deploy',
        externalId: 'ext-1234',
        sessionName: 'site',
        durationSeconds: 1800,
      },
      sts: { endpoint, region: 'eu-west-1' },
    },
    env: {
      AWS_ACCESS_KEY_ID: 'AKIABASE',
      AWS_SECRET_ACCESS_KEY: 'base-secret',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    },
    target: { endpoint: undefined, region: 'eu-west-1' },
    mask: (s) => masked.push(s),
  });
  expect(await resolved.provider()).toMatchObject({
    accessKeyId: 'ASIACHAINED',
    sessionToken: 'chained-token',
  });
  expect(requests).toHaveLength(1);
  const { body, authorization } = requests[0]!;
  expect(Object.fromEntries(body)).toMatchObject({
    Action: 'AssumeRole',
    RoleArn: 'arn:aws:iam::123456789012:role/deploy',
    ExternalId: 'ext-1234',
    RoleSessionName: 'site',
    DurationSeconds: '1800',
  });
  expect(authorization).toMatch(/Credential=AKIABASE\/\d{8}\/eu-west-1\/sts\/aws4_request/);
  expect((await resolved.described).source).toBe(
    'environment (AWS_ACCESS_KEY_ID) → assume_role arn:aws:iam::123456789012:role/deploy (with external id); identity arn:aws:sts::123456789012:assumed-role/deploy/site',
  );
  expect((await resolved.described).principal).toBe('role arn:aws:iam::123456789012:role/deploy');
  expect(masked).toEqual(['base-secret', 'chained-secret', 'chained-token']);
});
