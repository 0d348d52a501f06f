/**
 * A local stand-in for the CloudFront API's CreateInvalidation (there is no CloudFront to run
 * locally): an HTTP server on 127.0.0.1 that records each request — the signed Authorization
 * header, the distribution id and the paths from the XML body — and answers like CloudFront
 * (201 with an Invalidation document). Distribution ids listed in `deny` get CloudFront's 403
 * AccessDenied error document instead.
 * https://docs.aws.amazon.com/cloudfront/latest/APIReference/API_CreateInvalidation.html
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';

export interface RecordedInvalidation {
  distributionId: string;
  paths: string[];
  callerReference: string;
  /** The request's Authorization header (SigV4: service `cloudfront`, region us-east-1). */
  authorization: string;
}

export interface CloudFrontStandin {
  endpoint: string;
  requests: RecordedInvalidation[];
  close(): Promise<void>;
}

const parser = new XMLParser({
  ignoreAttributes: true,
  parseTagValue: false,
  isArray: (name) => name === 'Path',
});

const ROUTE = /^\/2020-05-31\/distribution\/([^/]+)\/invalidation$/;

export async function startCloudFrontStandin(
  options: { deny?: string[] } = {},
): Promise<CloudFrontStandin> {
  const requests: RecordedInvalidation[] = [];
  let next = 1;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const route = ROUTE.exec(req.url ?? '');
      if (req.method !== 'POST' || !route) {
        res.writeHead(404).end();
        return;
      }
      const distributionId = decodeURIComponent(route[1] ?? '');
      const doc = parser.parse(Buffer.concat(chunks).toString('utf8')) as {
        InvalidationBatch?: { CallerReference?: string; Paths?: { Items?: { Path?: string[] } } };
      };
      const batch = doc.InvalidationBatch ?? {};
      const paths = batch.Paths?.Items?.Path ?? [];
      requests.push({
        distributionId,
        paths,
        callerReference: batch.CallerReference ?? '',
        authorization: req.headers.authorization ?? '',
      });
      if (options.deny?.includes(distributionId)) {
        res
          .writeHead(403, { 'content-type': 'text/xml' })
          .end(
            `<?xml version="1.0"?><ErrorResponse xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized to perform: cloudfront:CreateInvalidation</Message></Error><RequestId>standin</RequestId></ErrorResponse>`,
          );
        return;
      }
      const id = `ISTANDIN${next++}`;
      const items = paths.map((p) => `<Path>${escapeXml(p)}</Path>`).join('');
      res
        .writeHead(201, {
          'content-type': 'text/xml',
          location: `https://cloudfront.amazonaws.com/2020-05-31/distribution/${distributionId}/invalidation/${id}`,
        })
        .end(
          `<?xml version="1.0"?><Invalidation xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Id>${id}</Id><Status>InProgress</Status><CreateTime>${new Date().toISOString()}</CreateTime><InvalidationBatch><Paths><Quantity>${paths.length}</Quantity><Items>${items}</Items></Paths><CallerReference>${escapeXml(batch.CallerReference ?? '')}</CallerReference></InvalidationBatch></Invalidation>`,
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
