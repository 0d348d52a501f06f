import { describe, expect, it } from '@jest/globals';
import { readXml } from '../../src/store/s3-xml.js';

describe('readXml (S3 answers)', () => {
  it('reads a ListObjectsV2 page: records, fields, keys kept exactly, entities decoded', () => {
    const body = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        '<Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>t&amp;1</NextContinuationToken>' +
        '<Contents><Key> a &amp; b.txt </Key><Size>4</Size><ETag>&quot;abc&quot;</ETag><Owner><ID>o</ID></Owner></Contents>' +
        '<Contents><Key><![CDATA[x<y>.html]]></Key><Size>0</Size><ETag>"d-2"</ETag></Contents>' +
        '<Contents><Key>caf\u00e9/0123</Key><Size>7</Size></Contents>' +
        '</ListBucketResult>',
    );
    const answer = readXml(body, ['Contents']);
    expect(answer.root).toBe('ListBucketResult');
    expect(answer.fields).toMatchObject({ IsTruncated: 'true', NextContinuationToken: 't&1' });
    expect(answer.records.Contents).toEqual([
      { Key: ' a & b.txt ', Size: '4', ETag: '"abc"', ID: 'o' },
      { Key: 'x<y>.html', Size: '0', ETag: '"d-2"' },
      { Key: 'café/0123', Size: '7' },
    ]);
  });

  it('tells a record named like the root apart: DeleteObjects errors vs an error document', () => {
    const deleted = readXml(
      '<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code></Error></DeleteResult>',
      ['Deleted', 'Error'],
    );
    expect(deleted.records).toEqual({
      Deleted: [{ Key: 'a' }],
      Error: [{ Key: 'b', Code: 'AccessDenied' }],
    });
    const error = readXml(
      '<Error><Code>PermanentRedirect</Code><Message>go</Message><Region>eu-west-1</Region></Error>',
    );
    expect(error).toEqual({
      root: 'Error',
      fields: { Code: 'PermanentRedirect', Message: 'go', Region: 'eu-west-1' },
      records: {},
    });
  });

  it('refuses a body that is not well-formed XML instead of reading it as empty', () => {
    expect(() => readXml('<ListBucketResult><Contents><Key>a</Key>', ['Contents'])).toThrow();
    expect(() => readXml('<html>proxy error</body>')).toThrow();
  });
});
