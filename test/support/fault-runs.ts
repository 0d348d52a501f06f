/**
 * One fault class, run and judged: v1 is put back, v2 is deployed through the fault proxy
 * (rules at a rate, or a choreography such as "gateway down for 6 s" run alongside), the bucket
 * is checked after the faulty run and after a clean re-run, and the class is recorded for
 * docs/reliability.md with what was observed.
 */
import { expect } from '@jest/globals';
import type { FaultProxy, FaultRule } from './fault-proxy.js';
import {
  checkAfterFaultyRun,
  checkExactV2,
  retryLines,
  settledDeploy,
  STATE_KEY,
  type Scenario,
} from './fault-scenario.js';
import { recordCase, startCli, type CliRun } from './reliability.js';
import { runCli } from './s3.js';

export interface ClassResult {
  runs: number;
  injected: number;
  retries: number;
  clean: number;
  failedRuns: {
    planned: boolean;
    code: number | null;
    failed: number;
    notRun: number;
    why: string[];
  }[];
  verified: number;
  lost: number;
  open: number;
  waits: number[];
  /** stderr of every faulty run, for class-specific assertions. */
  stderr: string[];
  durationsMs: number[];
}

export interface FaultClass {
  scenario: Scenario;
  proxy: FaultProxy;
  klass: string;
  seeds: number[];
  /** Rules for the proxy during the faulty run. */
  rules?: () => FaultRule[];
  /** Runs alongside the faulty deploy (e.g. takes the proxy down and up). */
  during?: (proxy: FaultProxy, run: CliRun) => Promise<void>;
  /** More spec lines (e.g. `request_timeout: 2`). */
  extraSpec?: string;
  /** Test file, for the record. */
  file: string;
  /** Class-specific observations for the record, read after every run. */
  note?: () => string;
}

export async function runFaultClass(c: FaultClass): Promise<ClassResult> {
  const { scenario, proxy } = c;
  const r: ClassResult = {
    runs: 0,
    injected: 0,
    retries: 0,
    clean: 0,
    failedRuns: [],
    verified: 0,
    lost: 0,
    open: 0,
    waits: [],
    stderr: [],
    durationsMs: [],
  };
  for (const seed of c.seeds) {
    await scenario.resetToV1();
    proxy.reset(seed);
    proxy.rules = c.rules?.() ?? [];
    const spec = await scenario.spec('v2', proxy.endpoint, c.extraSpec);
    const t0 = Date.now();
    const cli = startCli(['deploy', '--json', '-c', spec]);
    await c.during?.(proxy, cli);
    const run = await cli.done;
    r.durationsMs.push(Date.now() - t0);
    r.runs++;
    r.injected += proxy.totalInjected;
    proxy.reset(seed); // no faults for the checks and the re-run
    r.stderr.push(run.stderr);
    const retries = retryLines(run.stderr);
    r.retries += retries.length;
    r.waits.push(...retries.map((l) => l.waitMs));
    const after = await checkAfterFaultyRun(scenario, run);
    r.lost += after.problems.length;
    expect({ seed, problems: after.problems, unlisted: after.unlisted }).toEqual({
      seed,
      problems: [],
      unlisted: [],
    });
    expect(run.stderr).not.toMatch(/unexpected failure/);
    if (run.code === 0) r.clean++;
    else {
      expect(run.code).toBe(1);
      if (after.planned) {
        // the report lists them (each failed one is also named on stderr: `unlisted` above)
        expect(after.failedKeys.length).toBeGreaterThan(0);
      } else {
        // stopped while planning: the one error line says what and why
        expect(run.stderr).toMatch(/^error: .+ failed: \S+ — .+; fix: /m);
      }
      // what stopped it, as the user read it: `… failed: <code>` on the error lines
      const why = [...run.stderr.matchAll(/^error: .* failed: (\S+)/gm)].map((m) => m[1]!);
      r.failedRuns.push({
        planned: after.planned,
        code: run.code,
        failed: after.failedKeys.length - after.notRunKeys.length,
        notRun: after.notRunKeys.length,
        why: [...new Set(why)],
      });
    }
    r.verified += after.verified;
    r.open += after.openUploads;
    // The same deploy without faults converges, whatever state the faulty run left.
    const again = await runCli(['deploy', '-c', spec]);
    expect(again.code).toBe(0);
    const final = await checkExactV2(scenario);
    r.lost += final.problems.length;
    expect(final.problems).toEqual([]);
    r.verified += final.verified;
    r.open += final.openUploads;
    // ...and the deploy state it wrote holds: the next deploy reads and writes nothing more.
    expect(await settledDeploy(scenario, spec)).toEqual([
      'exit 0',
      'GET (bucket)',
      `GET ${STATE_KEY}`,
    ]);
  }
  recordCase({
    group: 'Faults',
    klass: c.klass,
    cases: r.runs,
    unit: `deploy${r.runs === 1 ? '' : 's'}${r.injected ? ` (${r.injected} faults injected)` : ''}`,
    did: describeClass(r) + (c.note ? `; ${c.note()}` : ''),
    verified: r.verified,
    lost: r.lost,
    openUploads: r.open,
    test: `${c.file} › ${c.klass}`,
  });
  return r;
}

function describeClass(r: ClassResult): string {
  // identical outcomes are counted, not repeated
  const notes = new Map<string, number>();
  for (const f of r.failedRuns) {
    const note = f.planned
      ? `exited ${f.code} naming ${f.failed} failed key(s) (${f.why.join(', ') || 'see log'}), ${f.notRun} not run, nothing deleted`
      : `exited ${f.code} while planning (${f.why.join(', ')}), nothing written`;
    notes.set(note, (notes.get(note) ?? 0) + 1);
  }
  const failed = [...notes]
    .map(([note, times]) => `; ${times} run${times === 1 ? '' : 's'} ${note}`)
    .join('');
  const retried = r.retries ? `retried ${r.retries}× with jittered backoff; ` : '';
  return `${retried}exact tree in ${r.clean}/${r.runs} runs${failed}; clean re-run converged every time, and the deploy state it wrote left the next deploy nothing to read or write`;
}
