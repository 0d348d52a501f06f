/**
 * Static-site hosting: per-rule public-read ACLs and grants (anonymous readers get exactly the
 * public objects), website redirects, and the CloudFront invalidation of the changed paths
 * after a deploy — sent, SigV4-signed, to a local stand-in of the CloudFront API.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { startCloudFrontStandin, type CloudFrontStandin } from '../support/cloudfront-standin.js';
import { runCli, testGateway } from '../support/s3.js';
import { ownerClient, specSite } from '../support/spec-site.js';

const anonymous = async (bucket: string, key: string) =>
  (await fetch(`${testGateway().endpoint}/${bucket}/${key}`)).status;

describe('public and private objects', () => {
  test('public-read and grant_read objects are readable anonymously; the others are not', async () => {
    const site = await specSite('host-acl', {
      'index.html': '<!doctype html>',
      'assets/app.js': 'app',
      'shared/doc.txt': 'shared',
      'private/notes.txt': 'secret',
    });
    await site.writeSpec({
      rules: [
        '  - match: ["*.html", "assets/**"]',
        '    acl: public-read',
        '  - match: "shared/**"',
        '    grant_read: uri=http://acs.amazonaws.com/groups/global/AllUsers',
        '',
      ].join('\n'),
    });
    const r = await runCli(['deploy', '-c', site.spec]);
    expect(r.code).toBe(0);
    expect(await anonymous(site.bucket, 'index.html')).toBe(200);
    expect(await anonymous(site.bucket, 'assets/app.js')).toBe(200);
    expect(await anonymous(site.bucket, 'shared/doc.txt')).toBe(200);
    expect(await anonymous(site.bucket, 'private/notes.txt')).toBe(403);
    expect(
      await (await fetch(`${testGateway().endpoint}/${site.bucket}/assets/app.js`)).text(),
    ).toBe('app');
  });

  test('the spec refuses acl and grants in one rule, and a malformed grant, before sending anything', async () => {
    const site = await specSite('host-bad');
    await site.writeSpec({
      rules:
        '  - match: "**"\n    acl: public-read\n    grant_read: uri=http://acs.amazonaws.com/groups/global/AllUsers\n  - match: "*.js"\n    grant_read: everyone\n',
    });
    const r = await runCli(['deploy', '-c', site.spec]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'rules[0].acl: expected either acl or grant_* in one rule, not both',
    );
    expect(r.stderr).toContain('rules[1].grant_read: expected grantees as id=');
  });

  test('website_redirect is stored on the object', async () => {
    const site = await specSite('host-redirect', { 'old.html': 'moved' });
    await site.writeSpec({ rules: '  - match: old.html\n    website_redirect: /new/\n' });
    expect((await runCli(['deploy', '-c', site.spec])).code).toBe(0);
    const head = await ownerClient().send(
      new HeadObjectCommand({ Bucket: site.bucket, Key: 'old.html' }),
    );
    expect(head.WebsiteRedirectLocation).toBe('/new/');
  });
});

describe('CloudFront invalidation after a deploy', () => {
  let cf: CloudFrontStandin;
  beforeAll(async () => {
    cf = await startCloudFrontStandin({ deny: ['EDENIED'] });
  });
  afterAll(() => cf.close());

  const cloudfront = (id: string, maxPaths = 10) =>
    `cloudfront:\n  distribution_id: ${id}\n  endpoint: ${cf.endpoint}\n  max_paths: ${maxPaths}\n`;

  test('invalidates exactly the changed paths, folds index.html, sends nothing when nothing changed', async () => {
    const site = await specSite('host-cf');
    await site.writeSpec({ extra: cloudfront('ESITE1') });
    const first = await runCli(['deploy', '-c', site.spec]);
    expect(first.code).toBe(0);
    const sent = cf.requests.filter((q) => q.distributionId === 'ESITE1');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.paths).toEqual(['/', '/assets/app.js', '/docs/']);
    // signed like any AWS call, for CloudFront's global region, with the deploy's credentials
    expect(sent[0]?.authorization).toMatch(
      new RegExp(
        `^AWS4-HMAC-SHA256 Credential=${testGateway().accessKeyId}/\\d{8}/us-east-1/cloudfront/aws4_request, `,
      ),
    );
    expect(first.stdout).toMatch(
      /invalidated 3 path\(s\) in CloudFront distribution ESITE1 \(ISTANDIN\d+\)/,
    );

    expect((await runCli(['deploy', '-c', site.spec])).code).toBe(0);
    expect(cf.requests.filter((q) => q.distributionId === 'ESITE1')).toHaveLength(1);

    await writeFile(
      path.join(site.source, 'docs/index.html'),
      '<!doctype html><title>docs v2</title>',
    );
    expect((await runCli(['deploy', '-c', site.spec])).code).toBe(0);
    const later = cf.requests.filter((q) => q.distributionId === 'ESITE1');
    expect(later).toHaveLength(2);
    expect(later[1]?.paths).toEqual(['/docs/']);
    expect(later[1]?.callerReference).not.toBe(later[0]?.callerReference);
  });

  test('past max_paths one /* is sent', async () => {
    const site = await specSite('host-cf-many');
    await site.writeSpec({ extra: cloudfront('ESITE2', 2) });
    expect((await runCli(['deploy', '-c', site.spec])).code).toBe(0);
    expect(cf.requests.filter((q) => q.distributionId === 'ESITE2').map((q) => q.paths)).toEqual([
      ['/*'],
    ]);
  });

  test('a refused invalidation fails the run and names cloudfront:CreateInvalidation', async () => {
    const site = await specSite('host-cf-denied');
    await site.writeSpec({ extra: cloudfront('EDENIED') });
    const r = await runCli(['deploy', '-c', site.spec]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'CloudFront invalidation of 3 path(s) in distribution EDENIED failed: AccessDenied',
    );
    expect(r.stderr).toContain(
      'lack cloudfront:CreateInvalidation on arn:aws:cloudfront::<account>:distribution/EDENIED',
    );
  });
});
