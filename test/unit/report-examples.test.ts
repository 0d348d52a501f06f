/**
 * The CI examples stay in step with what s3ship reads and writes: the workflow's inputs and
 * outputs exist in action.yml, and the report file names the GitLab and Jenkins examples collect
 * are the ones s3ship writes there. (examples/gitlab-ci.yml is also run whole by gitlab-ci-local
 * in test/e2e/ci-gitlab.test.ts; Jenkins has no runnable client here.)
 */
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { GITLAB_DEFAULT_FILES } from '../../src/report/gitlab.js';
import { JENKINS_DEFAULT_FILES } from '../../src/report/jenkins.js';

const action = parseYaml(readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
};

describe('examples/github-workflow.yml', () => {
  const text = readFileSync('examples/github-workflow.yml', 'utf8');
  const workflow = parseYaml(text) as {
    permissions: Record<string, string>;
    jobs: Record<
      string,
      { steps: { id?: string; uses?: string; with?: Record<string, unknown> }[] }
    >;
  };
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);
  const step = steps.find((s) => s.uses?.includes('/s3ship@'));

  test('asks for an OIDC token (permissions: id-token: write)', () => {
    expect(workflow.permissions['id-token']).toBe('write');
  });

  test('passes only inputs that action.yml declares', () => {
    expect(step).toBeDefined();
    for (const name of Object.keys(step?.with ?? {}))
      expect(Object.keys(action.inputs)).toContain(name);
  });

  test('reads only outputs that action.yml declares', () => {
    const used = [...text.matchAll(/steps\.s3ship\.outputs(?:\.([\w-]+)|\['([\w-]+)'\])/g)].map(
      (m) => m[1] ?? m[2] ?? '',
    );
    expect(used.length).toBeGreaterThan(2);
    for (const name of used) expect(Object.keys(action.outputs)).toContain(name);
    expect(step?.id).toBe('s3ship');
  });
});

describe('report files collected by the examples', () => {
  test('GitLab: the junit and dotenv reports s3ship writes in a GitLab job', () => {
    const ci = parseYaml(readFileSync('examples/gitlab-ci.yml', 'utf8')) as Record<
      string,
      { artifacts?: { reports?: { junit?: string; dotenv?: string } }; id_tokens?: unknown }
    >;
    const deploy = Object.values(ci).find((job) => job.artifacts?.reports);
    expect(deploy?.artifacts?.reports).toEqual(GITLAB_DEFAULT_FILES);
    expect(deploy?.id_tokens).toBeDefined();
  });

  test('Jenkins: the junit step and the archived JSON report', () => {
    const jenkinsfile = readFileSync('Jenkinsfile.example', 'utf8');
    expect(jenkinsfile).toMatch(/^pipeline \{/m);
    expect(jenkinsfile).toMatch(/agent \{\s*docker \{/);
    expect(jenkinsfile).toContain(`junit testResults: '${JENKINS_DEFAULT_FILES.junit}'`);
    expect(jenkinsfile).toContain(`archiveArtifacts artifacts: '${JENKINS_DEFAULT_FILES.json}'`);
  });
});
