/**
 * Network, DNS and TLS failures on the way to the store, explained. The error code comes from
 * Node (`ECONNREFUSED`, `ENOTFOUND`, `EPROTO`, `DEPTH_ZERO_SELF_SIGNED_CERT`, …); the host is
 * taken from Node's message, which names it.
 */
import type { Explainer } from './explain.js';
import type { StoreError, StoreTarget } from './store/store.js';

/** The endpoint as configured, or the AWS host the SDK builds from the region. */
function endpointOf(t: StoreTarget): string {
  return t.endpoint ?? `https://s3.${t.region ?? 'us-east-1'}.amazonaws.com`;
}

/** `getaddrinfo ENOTFOUND host` / `connect ECONNREFUSED 127.0.0.1:1` → the host part. */
function hostIn(e: StoreError): string | undefined {
  return e.message.match(
    /(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH)\s+(\S+)/,
  )?.[1];
}

const untrusted: Explainer = (e, t) => ({
  cause: `the TLS certificate of ${endpointOf(t)} is not trusted (${e.code}: self-signed, or signed by a private CA)`,
  fix: 'give Node the CA that signed it (NODE_EXTRA_CA_CERTS=/path/to/ca.pem), or use the endpoint with a publicly trusted certificate',
});

export const NETWORK_TABLE: Record<string, Explainer> = {
  ECONNREFUSED: (e, t) => ({
    cause: `nothing accepts connections at ${hostIn(e) ?? endpointOf(t)} (endpoint ${endpointOf(t)})`,
    fix: 'check the endpoint URL and port (target.endpoint / --endpoint), and that the store is running',
  }),
  ENOTFOUND: (e, t) => ({
    cause: `the host name ${hostIn(e) ?? endpointOf(t)} does not resolve (DNS)`,
    fix: t.endpoint
      ? "check target.endpoint's host name and the runner's DNS; with path_style: false the host is <bucket>.<endpoint host>, which local stores rarely resolve (set path_style: true)"
      : "check target.region (the S3 host name is built from it) and the runner's DNS",
  }),
  EAI_AGAIN: (e, t) => ({
    cause: `DNS lookup of ${hostIn(e) ?? endpointOf(t)} failed temporarily`,
    fix: "check the runner's DNS or retry",
  }),
  ECONNRESET: () => ({
    cause: 'the connection was reset on every attempt',
    fix: "check proxies and the store's health, or lower --concurrency",
  }),
  ETIMEDOUT: () => ({
    cause: 'the store did not answer in time on every attempt',
    fix: 'check the network path to the endpoint (firewall, proxy), or lower --concurrency',
  }),
  TimeoutError: () => ({
    cause: 'the store did not answer in time on every attempt',
    fix: 'check the network path to the endpoint (firewall, proxy), or lower --concurrency',
  }),
  EPROTO: (e, t) =>
    /wrong version number|packet length too long|http request/i.test(e.message)
      ? {
          cause: `${endpointOf(t)} does not speak TLS there: the endpoint is plain HTTP (or the port is wrong)`,
          fix: `use http:// in target.endpoint, or the store's HTTPS port`,
        }
      : {
          cause: `the TLS handshake with ${endpointOf(t)} failed (${e.message.trim()})`,
          fix: 'check the endpoint URL and port, and any TLS-intercepting proxy',
        },
  ERR_TLS_CERT_ALTNAME_INVALID: (_e, t) => ({
    cause: `the TLS certificate of ${endpointOf(t)} does not name the host used (virtual-hosted addressing puts the bucket in the host name, which a wildcard certificate does not cover when the bucket name has dots)`,
    fix: 'set target.path_style: true, or use the host name the certificate was issued for',
  }),
  CERT_HAS_EXPIRED: (_e, t) => ({
    cause: `the TLS certificate of ${endpointOf(t)} has expired (or this machine's clock is wrong)`,
    fix: "renew the store's certificate, or fix the clock",
  }),
  DEPTH_ZERO_SELF_SIGNED_CERT: untrusted,
  SELF_SIGNED_CERT_IN_CHAIN: untrusted,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: untrusted,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: untrusted,
  CERT: (e, t) => ({
    cause: `the TLS certificate of ${endpointOf(t)} was refused (${e.code}${e.message ? `: ${e.message}` : ''})`,
    fix: 'use a certificate the runner trusts (NODE_EXTRA_CA_CERTS=/path/to/ca.pem) and the https host name it was issued for',
  }),
};
