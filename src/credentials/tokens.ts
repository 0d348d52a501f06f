/**
 * Where a web identity (OIDC) token comes from, per CI system, and the session name STS gets:
 *  - GitHub Actions: asked of ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN,
 *    as @actions/core's getIDToken does (a fresh token per request, so renewals get one too);
 *  - GitLab CI: a variable declared under `id_tokens:` in .gitlab-ci.yml, named in the spec;
 *  - anything else (Jenkins OIDC plugin, Kubernetes projected tokens): a file, re-read on every
 *    renewal because its writer rotates it.
 * https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
 * https://docs.gitlab.com/ci/secrets/id_token_authentication/
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { S3shipError } from '../errors.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface TokenSource {
  kind: 'github' | 'variable' | 'file';
  /** For the log and messages, e.g. `GitHub Actions OIDC (audience sts.amazonaws.com)`. */
  label: string;
  /** What to do when the token it gives is stale. */
  renewHint: string;
  get(): Promise<string>;
}

const fail = (message: string): never => {
  throw new S3shipError('CREDENTIALS', message);
};

export function githubTokenSource(env: Env, audience: string, timeoutMs = 10_000): TokenSource {
  const requestUrl = env.ACTIONS_ID_TOKEN_REQUEST_URL ?? '';
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN ?? '';
  return {
    kind: 'github',
    label: `GitHub Actions OIDC (audience ${audience})`,
    renewHint:
      "s3ship asks GitHub for a fresh token on every renewal: check the runner's clock (NTP)",
    async get() {
      const url = new URL(requestUrl);
      url.searchParams.set('audience', audience);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        return fail(
          `Requesting a GitHub OIDC token from ${url.origin} failed: ${(error as Error).message} — ` +
            'the runner cannot reach the ID-token service; fix: re-run the job, or check the runner network',
        );
      }
      const text = await response.text();
      if (!response.ok) {
        return fail(
          `GitHub refused the OIDC token request (HTTP ${response.status}) — ACTIONS_ID_TOKEN_REQUEST_TOKEN is ` +
            'missing, expired or not allowed; fix: give the job `permissions: id-token: write` and run s3ship in that job',
        );
      }
      let value: unknown;
      try {
        value = (JSON.parse(text) as { value?: unknown }).value;
      } catch {
        value = undefined;
      }
      if (typeof value !== 'string' || value === '') {
        return fail(
          `GitHub's ID-token service answered without a token (HTTP ${response.status}) — fix: re-run the job`,
        );
      }
      return value;
    },
  };
}

export function variableTokenSource(env: Env, name: string): TokenSource {
  return {
    kind: 'variable',
    label: `token variable ${name}`,
    renewHint: `${name} is issued once per job: re-run the job (GitLab id_tokens expire with the job)`,
    get() {
      const value = env[name]?.trim();
      if (!value) {
        return Promise.resolve(
          fail(
            `Web identity token variable ${name} is ${env[name] === undefined ? 'not set' : 'empty'} — ` +
              `fix: declare it in the job, e.g. GitLab \`id_tokens: { ${name}: { aud: <audience> } }\`, ` +
              'or correct credentials.web_identity.token_variable',
          ),
        );
      }
      return Promise.resolve(value);
    },
  };
}

export function fileTokenSource(file: string): TokenSource {
  return {
    kind: 'file',
    label: `token file ${file}`,
    renewHint: `whatever writes ${file} (Kubernetes, a CI plugin) must keep renewing it`,
    async get() {
      const text = await readFile(file, 'utf8').catch((error: unknown) =>
        fail(
          `Cannot read the web identity token file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)} — ` +
            'fix: point AWS_WEB_IDENTITY_TOKEN_FILE (or credentials.web_identity.token_file) at the file your CI writes',
        ),
      );
      const value = text.trim();
      return (
        value || fail(`The web identity token file ${file} is empty — fix: check what writes it`)
      );
    },
  };
}

/**
 * The token source that applies, first match: the spec's variable, the spec's file, GitHub's
 * service, AWS_WEB_IDENTITY_TOKEN_FILE. `cwd` resolves a relative file name.
 */
export function pickTokenSource(
  env: Env,
  options: { tokenVariable: string | undefined; tokenFile: string | undefined; audience: string },
  cwd: string,
): TokenSource | undefined {
  if (options.tokenVariable) return variableTokenSource(env, options.tokenVariable);
  if (options.tokenFile) return fileTokenSource(path.resolve(cwd, options.tokenFile));
  if (env.ACTIONS_ID_TOKEN_REQUEST_URL && env.ACTIONS_ID_TOKEN_REQUEST_TOKEN)
    return githubTokenSource(env, options.audience);
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE)
    return fileTokenSource(path.resolve(cwd, env.AWS_WEB_IDENTITY_TOKEN_FILE));
  return undefined;
}

/**
 * RoleSessionName from the CI's ids (shows up in CloudTrail and the assumed-role ARN):
 * GitHub run id + attempt, GitLab pipeline + job id, Jenkins BUILD_TAG; STS allows
 * `[\w+=,.@-]`, 2 to 64 characters.
 */
export function sessionNameFor(env: Env, now: number): string {
  const ids = env.GITHUB_RUN_ID
    ? ['gh', env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT]
    : env.CI_JOB_ID
      ? ['gl', env.CI_PIPELINE_ID, env.CI_JOB_ID]
      : env.BUILD_TAG
        ? [env.BUILD_TAG]
        : [String(Math.floor(now / 1000))];
  const name = ['s3ship', ...ids.filter((x): x is string => Boolean(x))]
    .join('-')
    .replace(/[^\w+=,.@-]/g, '-');
  return name.slice(0, 64);
}
