/**
 * `s3ship presign` against the real gateway, used by plain HTTP clients (Node's fetch, curl):
 * a presigned GET URL downloads the object; a presigned POST form uploads with an ordinary
 * multipart/form-data request, and the gateway refuses what breaks the form's policy.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from '@jest/globals';
import { parse } from 'node-html-parser';
import { getObject, listKeys, putObject, runCli } from '../support/s3.js';
import { specSite } from '../support/spec-site.js';

interface PostForm {
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
  conditions: unknown[];
}

/** A browser's upload: the policy fields, then the file (S3 wants it last). */
async function upload(form: PostForm, fields: Record<string, string>, file: Buffer, name: string) {
  const body = new FormData();
  for (const [k, v] of Object.entries({ ...form.fields, ...fields })) body.append(k, v);
  body.append('file', new Blob([file]), name);
  const res = await fetch(form.url, { method: 'POST', body });
  return { status: res.status, text: await res.text() };
}

describe('presigned GET URLs', () => {
  test('download the object with node fetch and with curl; a tampered URL is refused', async () => {
    const site = await specSite('ps-get', undefined, { prefix: 'www' });
    await putObject(site.bucket, 'www/dist/app 1.zip', 'zip bytes');
    await putObject(site.bucket, 'www/secret.txt', 'not yours');
    const r = await runCli(['presign', '-c', site.spec, 'dist/app 1.zip', '--expires', '2h']);
    expect(r.code).toBe(0);
    const url = r.stdout.trim();
    expect(url).toContain('X-Amz-Algorithm=AWS4-HMAC-SHA256');
    expect(url).toContain('X-Amz-Expires=7200');
    expect(url).toContain(`/${site.bucket}/www/dist/app%201.zip?`);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('zip bytes');
    const curl = await promisify(execFile)('curl', ['-sS', '--fail', url]);
    expect(curl.stdout).toBe('zip bytes');
    // the signature covers the key: the same query on another key is refused
    const other = url.replace('dist/app%201.zip', 'secret.txt');
    expect((await fetch(other)).status).toBe(403);
    expect(r.stderr).toContain('presigned GET (SigV4) for 1 key(s), valid 2h');
  });

  test('--json lists every key with its URL and expiry', async () => {
    const site = await specSite('ps-json');
    await putObject(site.bucket, 'a.txt', 'A');
    await putObject(site.bucket, 'b.txt', 'B');
    const r = await runCli(['presign', '-c', site.spec, 'a.txt', 'b.txt', '--json']);
    expect(r.code).toBe(0);
    const links = JSON.parse(r.stdout) as { key: string; url: string; expiresAt: string }[];
    expect(links.map((l) => l.key)).toEqual(['a.txt', 'b.txt']);
    expect(await Promise.all(links.map(async (l) => (await fetch(l.url)).text()))).toEqual([
      'A',
      'B',
    ]);
    expect(Date.parse(links[0]!.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
  });

  test('refuses a missing key and an expiry past 7 days, naming the value', async () => {
    const site = await specSite('ps-bad');
    const missing = await runCli(['presign', '-c', site.spec, 'nope.txt']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`no object s3://${site.bucket}/nope.txt to presign`);
    const long = await runCli(['presign', '-c', site.spec, 'x', '--expires', '8d']);
    expect(long.code).toBe(2);
    expect(long.stderr).toContain('--expires 8d is longer than SigV4 allows (7d)');
  });
});

describe('presigned POST forms', () => {
  test('a plain multipart/form-data upload works; another key, a too-large file and a wrong type are refused', async () => {
    const site = await specSite('ps-post', undefined, { prefix: 'www' });
    const r = await runCli([
      'presign',
      '-c',
      site.spec,
      '--post',
      'uploads/',
      '--max-size',
      '1KiB',
      '--content-type',
      'text/plain',
      '--expires',
      '10m',
    ]);
    expect(r.code).toBe(0);
    const form = JSON.parse(r.stdout) as PostForm;
    expect(form.fields['X-Amz-Algorithm']).toBe('AWS4-HMAC-SHA256');
    expect(form.fields['X-Amz-Credential']).toMatch(/\/us-east-1\/s3\/aws4_request$/);
    expect(form.conditions).toEqual(
      expect.arrayContaining([
        ['content-length-range', 0, 1024],
        ['starts-with', '$key', 'www/uploads/'],
      ]),
    );

    const ok = await upload(form, {}, Buffer.from('hello form'), 'note.txt');
    expect(ok.status).toBe(204);
    expect((await getObject(site.bucket, 'www/uploads/note.txt')).body.toString()).toBe(
      'hello form',
    );

    const otherKey = await upload(form, { key: 'www/elsewhere/x.txt' }, Buffer.from('x'), 'x.txt');
    expect(otherKey.status).toBe(403);
    const tooLarge = await upload(form, {}, Buffer.alloc(1025, 'x'), 'big.txt');
    expect(tooLarge.status).toBe(400);
    expect(tooLarge.text).toContain('EntityTooLarge');
    const wrongType = await upload(
      form,
      { 'Content-Type': 'text/html' },
      Buffer.from('<b>'),
      'p.html',
    );
    expect(wrongType.status).toBe(403);
    expect(await listKeys(site.bucket)).toEqual(['www/uploads/note.txt']);
  });

  test('--html writes a form whose fields upload as they are (exact key)', async () => {
    const site = await specSite('ps-html');
    const html = path.join(site.dir, 'upload.html');
    const r = await runCli(['presign', '-c', site.spec, '--post', 'report.pdf', '--html', html]);
    expect(r.code).toBe(0);
    const doc = parse(await readFile(html, 'utf8'));
    const formEl = doc.querySelector('form');
    expect(formEl?.getAttribute('method')).toBe('post');
    expect(formEl?.getAttribute('enctype')).toBe('multipart/form-data');
    const inputs = formEl?.querySelectorAll('input') ?? [];
    expect(inputs.at(-1)?.getAttribute('type')).toBe('file');
    const fields = Object.fromEntries(
      inputs
        .filter((i) => i.getAttribute('type') === 'hidden')
        .map((i) => [i.getAttribute('name') ?? '', i.getAttribute('value') ?? '']),
    );
    expect(fields.key).toBe('report.pdf');
    const form = {
      url: formEl?.getAttribute('action') ?? '',
      fields,
      expiresAt: '',
      conditions: [],
    };
    expect((await upload(form, {}, Buffer.from('%PDF-1.7'), 'whatever.pdf')).status).toBe(204);
    expect((await getObject(site.bucket, 'report.pdf')).body.toString()).toBe('%PDF-1.7');
    expect((await upload(form, { key: 'other.pdf' }, Buffer.from('x'), 'x.pdf')).status).toBe(403);
  });
});

describe('links after a deploy (spec presign)', () => {
  test('the log lists a working presigned link for each matching file', async () => {
    const site = await specSite('ps-deploy', {
      'index.html': '<!doctype html>',
      'dist/app.zip': 'artifact bytes',
      'dist/notes.txt': 'notes',
    });
    await site.writeSpec({ extra: 'presign:\n  match: "dist/*.zip"\n  expires: 1d\n' });
    const r = await runCli(['deploy', '-c', site.spec]);
    expect(r.code).toBe(0);
    const links = [...r.stdout.matchAll(/^link +(\S+) +(http\S+) +\(valid until (\S+)\)$/gm)];
    expect(links.map((m) => m[1])).toEqual(['dist/app.zip']);
    const res = await fetch(links[0]![2]!);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('artifact bytes');
    expect(Date.parse(links[0]![3]!) - Date.now()).toBeGreaterThan(86_000_000);
  });
});
