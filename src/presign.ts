/**
 * Presigned GET URLs and presigned POST forms, signed with SigV4 (`AWS4-HMAC-SHA256`) by the
 * AWS SDK's own presigners. A POST form carries a policy the store enforces: the key (or key
 * prefix), a content-length range, the content type and an expiry — so a browser can upload
 * without credentials, and only what the policy allows.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createPresignedPost, type PresignedPostOptions } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

type Condition = NonNullable<PresignedPostOptions['Conditions']>[number];

export interface PresignedGet {
  key: string;
  url: string;
  expiresAt: string;
}

/** A presigned GET URL for one key, valid `expiresIn` seconds from `now` (ms since epoch). */
export async function presignGet(
  client: S3Client,
  bucket: string,
  key: string,
  expiresIn: number,
  now: number,
): Promise<PresignedGet> {
  const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: key }), {
    expiresIn,
    signingDate: new Date(now),
  });
  return { key, url, expiresAt: isoSeconds(now + expiresIn * 1000) };
}

export interface PostPolicy {
  /** An exact key, or a prefix ending in `/` under which the browser picks the file name. */
  key: string;
  /** Bytes the upload may have: at least minBytes, at most maxBytes. */
  minBytes: number;
  maxBytes: number;
  /** An exact Content-Type, or a prefix ending in `/` (`image/`). */
  contentType: string | undefined;
  expiresIn: number;
}

export interface PresignedPost {
  /** Where the form is POSTed. */
  url: string;
  /** Form fields, in order, to send before the file field (named `file`, last). */
  fields: Record<string, string>;
  expiresAt: string;
  /** The conditions in the signed policy, for people reading the output. */
  conditions: unknown[];
}

/** A presigned POST form for `policy` in `bucket` (SigV4; the store checks every condition). */
export async function presignPost(
  client: S3Client,
  bucket: string,
  policy: PostPolicy,
): Promise<PresignedPost> {
  const prefixMode = policy.key.endsWith('/');
  const typePrefix = policy.contentType?.endsWith('/') === true;
  const conditions: Condition[] = [['content-length-range', policy.minBytes, policy.maxBytes]];
  if (policy.contentType !== undefined && typePrefix)
    conditions.push(['starts-with', '$Content-Type', policy.contentType]);
  const fields: Record<string, string> =
    policy.contentType !== undefined && !typePrefix ? { 'Content-Type': policy.contentType } : {};
  const post = await createPresignedPost(client, {
    Bucket: bucket,
    // `${filename}` is replaced by the store with the uploaded file's name; the SDK then signs
    // a `starts-with $key <prefix>` condition instead of the exact key.
    Key: prefixMode ? `${policy.key}\${filename}` : policy.key,
    Conditions: conditions,
    Fields: fields,
    Expires: policy.expiresIn,
  });
  const decoded = JSON.parse(Buffer.from(post.fields.Policy ?? '', 'base64').toString('utf8')) as {
    expiration?: string;
    conditions?: unknown[];
  };
  return {
    url: post.url,
    fields: post.fields,
    expiresAt: decoded.expiration ?? '',
    conditions: decoded.conditions ?? [],
  };
}

/** A minimal HTML page with the upload form (the file field last, as S3 requires). */
export function uploadFormHtml(post: PresignedPost, policy: PostPolicy, title: string): string {
  const hidden = Object.entries(post.fields)
    .map(([name, value]) => `    <input type="hidden" name="${attr(name)}" value="${attr(value)}">`)
    .join('\n');
  const typePrefix = policy.contentType?.endsWith('/') === true ? policy.contentType : undefined;
  // With a type prefix the policy wants a Content-Type field: the browser knows the file's type.
  const typeField = typePrefix
    ? `    <input type="hidden" name="Content-Type" value="${attr(typePrefix)}">\n`
    : '';
  const accept = policy.contentType
    ? ` accept="${attr(typePrefix ? `${typePrefix}*` : policy.contentType)}"`
    : '';
  const script = typePrefix
    ? `\n  <script>
    const form = document.forms[0];
    form.file.addEventListener('change', () => {
      form.elements['Content-Type'].value = form.file.files[0]?.type || '';
    });
  </script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>${text(title)}</title>
</head>
<body>
  <h1>${text(title)}</h1>
  <p>Up to ${policy.maxBytes} bytes${policy.contentType ? `, type ${text(policy.contentType)}${typePrefix ? '*' : ''}` : ''}; this form works until ${text(post.expiresAt)}.</p>
  <form action="${attr(post.url)}" method="post" enctype="multipart/form-data">
${hidden}
${typeField}    <input type="file" name="file" required${accept}>
    <button type="submit">Upload</button>
  </form>${script}
</body>
</html>
`;
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;');
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** ISO 8601 to the second, as S3 writes expirations. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
