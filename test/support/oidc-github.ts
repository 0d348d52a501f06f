/**
 * An endpoint that answers like GitHub Actions' ID-token service: `GET <url>&audience=<aud>`
 * with `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` returns `{"value": "<jwt>"}`
 * signed by the local issuer (test/support/oidc.ts). A wrong bearer gets 401, as on GitHub.
 * Each answer is a fresh token, so a test can count how often s3ship asked for one.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OidcIssuer, TokenOptions } from './oidc.js';

export interface GithubTokenEndpoint {
  /** What the runner puts in ACTIONS_ID_TOKEN_REQUEST_URL (already has a query string). */
  requestUrl: string;
  /** What the runner puts in ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string;
  /** Audiences asked for, one entry per token handed out. */
  audiences: string[];
  /** Requests refused (wrong or missing bearer). */
  refused: number;
  close(): Promise<void>;
}

/** GitHub's default audience when a request names none: the owner's URL. */
const DEFAULT_AUDIENCE = 'https://github.com/octo-org';

export async function startGithubTokenEndpoint(
  issuer: OidcIssuer,
  token: Omit<TokenOptions, 'aud'> = { sub: 'repo:octo-org/site:ref:refs/heads/main' },
): Promise<GithubTokenEndpoint> {
  const requestToken = `ghs_${randomBytes(16).toString('hex')}`;
  const state = { audiences: [] as string[], refused: 0 };
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== '/_apis/idtoken') {
        res.writeHead(404).end();
        return;
      }
      if (req.headers.authorization !== `Bearer ${requestToken}`) {
        state.refused += 1;
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"message":"Bad token"}');
        return;
      }
      const aud = url.searchParams.get('audience') ?? DEFAULT_AUDIENCE;
      state.audiences.push(aud);
      const value = await issuer.sign({
        ...token,
        aud,
        claims: { repository: 'octo-org/site', run_id: '4242', ...token.claims },
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ value }));
    })().catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    requestUrl: `http://127.0.0.1:${port}/_apis/idtoken?api-version=2.0`,
    requestToken,
    get audiences() {
      return state.audiences;
    },
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
