/**
 * A local OpenID Connect issuer for the credentials tests, in our own code: the discovery
 * document and a JWKS whose key carries `x5c` (Ceph RGW's STS checks the token's signature
 * with the certificate and the certificate's SHA-1 thumbprint against the provider it has
 * registered), and RS256 tokens signed with `jose`.
 *
 * It also signs with a second key that the JWKS never publishes ("another key", under the same
 * `kid`, as a forged token would be), and can hand out expired tokens, so the tests can show
 * STS refusing each.
 */
// @peculiar/x509 resolves its parts through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export interface TokenOptions {
  sub: string;
  aud: string | string[];
  /** Lifetime in seconds from now (negative: already expired). Default 3600. */
  ttlSeconds?: number;
  /** Sign with the key the JWKS does not publish. */
  otherKey?: boolean;
  /** More claims (GitHub's repository, run_id, …). */
  claims?: Record<string, unknown>;
}

export interface OidcIssuer {
  /** `http://127.0.0.1:<port>`: the `iss` of every token. */
  url: string;
  /** `127.0.0.1:<port>`: how STS names the provider in ARNs and trust-policy condition keys. */
  host: string;
  /** SHA-1 of the signing certificate (DER), upper-case hex, for the provider's thumbprint list. */
  thumbprint: string;
  sign(options: TokenOptions): Promise<string>;
  /** Requests served, by path (discovery and JWKS fetches by STS). */
  hits: Map<string, number>;
  close(): Promise<void>;
}

const KID = 'test-key-1';
const ALG = 'RS256';

async function selfSignedCertificate(keys: { publicKey: CryptoKey; privateKey: CryptoKey }) {
  const now = Date.now();
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: 'CN=s3ship test OIDC issuer',
    notBefore: new Date(now - 86_400_000),
    notAfter: new Date(now + 30 * 86_400_000),
    signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    keys,
  });
}

/** Starts the issuer on 127.0.0.1 (a free port chosen by the system). */
export async function startOidcIssuer(): Promise<OidcIssuer> {
  const keys = await generateKeyPair(ALG, { extractable: true, modulusLength: 2048 });
  const other = await generateKeyPair(ALG, { modulusLength: 2048 });
  const cert = await selfSignedCertificate(keys);
  const der = Buffer.from(cert.rawData);
  const jwk: JWK = {
    ...(await exportJWK(keys.publicKey)),
    kid: KID,
    alg: ALG,
    use: 'sig',
    x5c: [der.toString('base64')],
  };
  const hits = new Map<string, number>();
  let url = '';
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body =
      path === '/.well-known/openid-configuration'
        ? {
            issuer: url,
            jwks_uri: `${url}/jwks`,
            id_token_signing_alg_values_supported: [ALG],
            response_types_supported: ['id_token'],
            subject_types_supported: ['public'],
          }
        : path === '/jwks'
          ? { keys: [jwk] }
          : undefined;
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const text = JSON.stringify(body);
    res
      .writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      })
      .end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  url = `http://127.0.0.1:${port}`;

  const sign = async (o: TokenOptions): Promise<string> => {
    const now = Math.floor(Date.now() / 1000);
    const ttl = o.ttlSeconds ?? 3600;
    return new SignJWT({ ...o.claims })
      .setProtectedHeader({ alg: ALG, typ: 'JWT', kid: KID })
      .setIssuer(url)
      .setSubject(o.sub)
      .setAudience(o.aud)
      .setIssuedAt(Math.min(now, now + ttl - 60))
      .setNotBefore(Math.min(now - 5, now + ttl - 60))
      .setExpirationTime(now + ttl)
      .sign(o.otherKey ? other.privateKey : keys.privateKey);
  };

  return {
    url,
    host: `127.0.0.1:${port}`,
    thumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
    sign,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
