/**
 * Renewal of temporary credentials, on an injected clock: a deploy that outlives its session
 * keeps signing with valid credentials, renewals are shared by concurrent requests, and a
 * failed renewal only fails a request once the credentials it has are really expired.
 */
import { describe, expect, test } from '@jest/globals';
import type { AwsCredentialIdentity } from '@smithy/types';
import { refreshingProvider } from '../../src/credentials/refresh.js';

const MIN = 60_000;

/** A fake STS: each call issues session n, valid for `lifetimeMs` from the clock's now. */
function issuer(clock: { now: number }, lifetimeMs = 15 * MIN) {
  const issued: AwsCredentialIdentity[] = [];
  let failNext = 0;
  const fetch = async (): Promise<AwsCredentialIdentity> => {
    await Promise.resolve();
    if (failNext > 0) {
      failNext -= 1;
      throw new Error('STS is down');
    }
    const n = issued.length + 1;
    const c = {
      accessKeyId: `ASIA${n}`,
      secretAccessKey: `secret-${n}`,
      sessionToken: `token-${n}`,
      expiration: new Date(clock.now + lifetimeMs),
    };
    issued.push(c);
    return c;
  };
  return { fetch, issued, failTimes: (n: number) => (failNext = n) };
}

describe('refreshingProvider', () => {
  test('a 15-minute session signs a 40-minute deploy with unexpired credentials throughout', async () => {
    const clock = { now: 1_000_000 };
    const sts = issuer(clock);
    const provider = refreshingProvider(sts.fetch, { now: () => clock.now });
    // one request every 10 s for 40 minutes; each must be signed with credentials that have
    // at least a minute left (the window is 5 minutes, so they always do)
    for (let t = 0; t <= 40 * MIN; t += 10_000) {
      clock.now = 1_000_000 + t;
      const c = await provider();
      expect(c.expiration!.getTime() - clock.now).toBeGreaterThan(MIN);
    }
    // 40 min / (15 - 5) min per session: the first and 4 renewals, not one per request
    expect(sts.issued).toHaveLength(5);
    expect(provider.fetches).toBe(5);
  });

  test('concurrent requests at renewal time share one renewal', async () => {
    const clock = { now: 0 };
    const sts = issuer(clock);
    const provider = refreshingProvider(sts.fetch, { now: () => clock.now });
    await provider();
    clock.now = 11 * MIN; // 4 minutes left: inside the window
    const all = await Promise.all(Array.from({ length: 16 }, () => provider()));
    expect(new Set(all.map((c) => c.accessKeyId))).toEqual(new Set(['ASIA2']));
    expect(sts.issued).toHaveLength(2);
  });

  test('a failed renewal keeps the still-valid credentials and tries again later', async () => {
    const clock = { now: 0 };
    const sts = issuer(clock);
    const errors: unknown[] = [];
    const provider = refreshingProvider(sts.fetch, {
      now: () => clock.now,
      retryAfterMs: 10_000,
      onRefreshError: (e) => errors.push(e),
    });
    await provider();
    clock.now = 12 * MIN;
    sts.failTimes(1);
    expect((await provider()).accessKeyId).toBe('ASIA1');
    expect(errors).toHaveLength(1);
    // within retryAfterMs no new attempt is made
    clock.now += 5_000;
    expect((await provider()).accessKeyId).toBe('ASIA1');
    expect(sts.issued).toHaveLength(1);
    clock.now += 6_000;
    expect((await provider()).accessKeyId).toBe('ASIA2');
  });

  test('once expired, a failed renewal fails the request', async () => {
    const clock = { now: 0 };
    const sts = issuer(clock);
    const provider = refreshingProvider(sts.fetch, { now: () => clock.now });
    await provider();
    clock.now = 16 * MIN;
    sts.failTimes(1);
    await expect(provider()).rejects.toThrow('STS is down');
    clock.now += 20_000;
    expect((await provider()).accessKeyId).toBe('ASIA2');
  });

  test('credentials without an expiry are fetched once', async () => {
    let calls = 0;
    const provider = refreshingProvider(
      () => {
        calls += 1;
        return Promise.resolve({ accessKeyId: 'AKIA', secretAccessKey: 's' });
      },
      { now: () => 0 },
    );
    for (let i = 0; i < 5; i++) await provider();
    expect(calls).toBe(1);
    // and the AWS SDK is told not to cache on top (it would not call us again before expiry)
    expect(provider.memoized).toBe(true);
  });
});
