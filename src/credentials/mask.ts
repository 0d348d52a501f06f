/**
 * Masking secrets in CI logs. On GitHub Actions, `::add-mask::<value>` makes the runner replace
 * the value with *** in every later line of the log (and the command line itself is not shown),
 * so every secret s3ship gets hold of (keys, session tokens, ID tokens) is announced once,
 * before anything could print it. s3ship itself never prints them either way.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions#masking-a-value-in-a-log
 */

type Env = Readonly<Record<string, string | undefined>>;

/** Escapes a command value as @actions/core does (`%`, CR and LF). */
function escapeData(value: string): string {
  return value.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** A mask function: writes `::add-mask::` lines on GitHub Actions, does nothing elsewhere. */
export function githubMasker(env: Env, write: (line: string) => void): (secret: string) => void {
  if (env.GITHUB_ACTIONS !== 'true') return () => undefined;
  const seen = new Set<string>();
  return (secret) => {
    if (secret.length < 4 || seen.has(secret)) return;
    seen.add(secret);
    write(`::add-mask::${escapeData(secret)}`);
  };
}

/**
 * Node's own debug output is beyond s3ship's masking: with NODE_DEBUG=https (HTTPS endpoints)
 * or NODE_DEBUG=net (plain HTTP) Node prints each request's options, headers included — the
 * X-Amz-Security-Token among them — to stderr (measured on Node 24; `http` and `tls` do not).
 * A warning, not an error: whoever set it may be debugging on purpose.
 */
export function debugLeak(nodeDebug: string | undefined): string | undefined {
  const modules = (nodeDebug ?? '').toLowerCase().split(/[\s,]+/);
  const risky = modules.filter((m) => m === 'https' || m === 'net' || m.includes('*'));
  if (risky.length === 0) return undefined;
  return `NODE_DEBUG=${nodeDebug} makes Node print request headers, session tokens included, into this log — unset NODE_DEBUG (or drop ${risky.join(', ')} from it) in CI`;
}
