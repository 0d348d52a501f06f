// Turns benchmark results into a table on stdout and sections of docs/benchmarks.md.
// The standard and scale runs each own one section (between markers), so either can be rerun.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SCENARIOS = ['cold', 'fresh', 'edit1', 'big', 'big-fresh'];
/** The bar of issue 5: s3ship's wall time at most this share of the best peer's. */
const BAR = { cold: 0.6, fresh: 0.6, edit1: 0.6, big: 0.8, 'big-fresh': 0.6 };

function standardRows(results) {
  const toolsInRun = [...new Set(results.map((r) => r.tool))];
  const cell = (tool, scenario) => results.find((r) => r.tool === tool && r.scenario === scenario);
  const lines = [
    '| tool | ' + SCENARIOS.join(' | ') + ' | peak RSS |',
    '| --- |' + ' --- |'.repeat(SCENARIOS.length + 1),
  ];
  for (const tool of toolsInRun) {
    const cells = SCENARIOS.map((s) => {
      const r = cell(tool, s);
      return r ? `${r.wall.toFixed(2)} s, ${r.puts} PUT${r.rc ? ` (exit ${r.rc})` : ''}` : '—';
    });
    const rss = Math.max(...results.filter((r) => r.tool === tool).map((r) => r.rssMb));
    lines.push(`| ${tool} | ${cells.join(' | ')} | ${rss} MB |`);
  }
  const ratio = SCENARIOS.map((s) => {
    const ours = cell('s3ship', s);
    const peers = results.filter((r) => r.tool !== 's3ship' && r.scenario === s && r.rc === 0);
    if (!ours || peers.length === 0) return '—';
    const best = peers.reduce((a, b) => (b.wall < a.wall ? b : a));
    const x = ours.wall / best.wall;
    return `**${x.toFixed(2)}** vs ${best.tool} (bar ${BAR[s]}: ${x <= BAR[s] ? 'met' : 'NOT met'})`;
  });
  lines.push(`| s3ship ÷ best peer | ${ratio.join(' | ')} | |`);
  return lines;
}

/**
 * Where s3ship's wall time went, per scenario: its own CPU seconds, the gateway's, and how busy
 * that kept the machine's cores. Near 100% the machine's CPU is the limit (on these runs the
 * gateway shares it); far below, something waited (the network, the disk, a single thread).
 */
function timeRows(results, cores) {
  const lines = [
    '| s3ship | wall | s3ship CPU | gateway CPU | cores busy |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const s of SCENARIOS) {
    const r = results.find((x) => x.tool === 's3ship' && x.scenario === s);
    if (!r || r.cpu === undefined) continue;
    const busy = (r.cpu + r.gatewayCpu) / (r.wall * cores);
    lines.push(
      `| ${s} | ${r.wall.toFixed(2)} s | ${r.cpu.toFixed(2)} s | ${r.gatewayCpu.toFixed(2)} s | ${(busy * 100).toFixed(0)}% of ${cores} |`,
    );
  }
  return lines;
}

function growthRows(growth) {
  const lines = [
    '| run | files | wall | per file | peak RSS | PUTs |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of growth) {
    lines.push(
      `| ${r.scenario} | ${r.files.toLocaleString('en-US')} | ${r.wall.toFixed(2)} s${r.samples ? ` (${r.samples.map((w) => w.toFixed(2)).join(', ')})` : ''} | ${((r.wall / r.files) * 1e6).toFixed(0)} µs | ${r.rssMb} MB | ${r.puts} |`,
    );
  }
  // (Results from before the flat run have no shape: folders.)
  const noChange = (files, shape) =>
    growth.find(
      (r) =>
        r.scenario.startsWith('nochange') && r.files === files && (r.shape ?? 'folders') === shape,
    );
  const small = noChange(20_000, 'folders');
  const big = noChange(200_000, 'folders');
  const flat = noChange(200_000, 'flat');
  const under = (rss) => `under 250 MB: ${rss < 250 ? 'met' : 'NOT met'}`;
  if (small && big) {
    const growthRatio = big.wall / big.files / (small.wall / small.files);
    lines.push(
      '',
      `No-change deploy (median of the samples in brackets; peak RSS the highest of them): time per file at 200k is ${growthRatio.toFixed(2)} × that at 20k (bar: at most 1: ${growthRatio <= 1 ? 'met' : 'NOT met'}); peak RSS ${small.rssMb} → ${big.rssMb} MB (bar: ${under(big.rssMb)})${flat ? `; 200k in one folder: ${flat.rssMb} MB (bar: ${under(flat.rssMb)})` : ''}.`,
    );
  }
  return lines;
}

function hugeRows(huge) {
  const lines = [
    'Median of three rounds, each in a different tool order (the samples in brackets).',
    '',
    '| tool | wall | MB/s | peak RSS | PUTs |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const r of huge)
    lines.push(
      `| ${r.tool} | ${r.wall.toFixed(2)} s (${(r.samples ?? [r.wall]).map((w) => w.toFixed(2)).join(', ')}) | ${r.mbPerS} | ${r.rssMb} MB | ${r.puts}${r.rc ? ` (exit ${r.rc})` : ''} |`,
    );
  const ours = huge.find((r) => r.tool === 's3ship');
  const best = huge
    .filter((r) => r.tool !== 's3ship' && r.rc === 0)
    .sort((a, b) => b.mbPerS - a.mbPerS)[0];
  if (ours && best)
    lines.push(
      '',
      `s3ship ${ours.mbPerS} MB/s against the best peer's ${best.mbPerS} (${best.tool}): bar (at least the best peer's) ${ours.mbPerS >= best.mbPerS ? 'met' : 'NOT met'}.`,
    );
  return lines;
}

export function printTable(results) {
  const lines = results.standard
    ? standardRows(results.standard)
    : [...growthRows(results.growth), '', ...hugeRows(results.huge)];
  console.log(lines.join('\n'));
}

function section(name, body) {
  return `<!-- bench:${name} -->\n${body}\n<!-- /bench:${name} -->`;
}

export function markdownReport(root, machine, results, scale) {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const current = existsSync(file) ? readFileSync(file, 'utf8') : TEMPLATE;
  const where = `Run on ${machine.date}: ${machine.cpus}, ${machine.memGiB} GiB, Linux ${machine.kernel}, Node ${machine.node}, ${machine.gateway} on the same machine.`;
  const name = scale ? 'scale' : 'standard';
  const body = scale
    ? [
        where,
        '',
        '### 20k → 200k files (s3ship, 1 KiB files; 200k again in one folder)',
        '',
        ...growthRows(results.growth),
        '',
        '### One 2 GiB file',
        '',
        ...hugeRows(results.huge),
      ].join('\n')
    : [
        where,
        `The gateway is put through a big and 500 small uploads before the first tool, and before every run the harness waits for it to go idle; every scenario is the median of ${machine.repeat ?? 1} runs (cold into the same bucket, emptied and made again between runs).`,
        '',
        ...standardRows(results.standard),
        '',
        ...timeRows(results.standard, machine.cores ?? 1),
      ].join('\n');
  const re = new RegExp(`<!-- bench:${name} -->[\\s\\S]*?<!-- /bench:${name} -->`);
  return current.replace(re, section(name, body));
}

const TEMPLATE = `# Benchmarks

Produced by \`npm run bench\` (standard) and \`npm run bench -- --scale\`; do not edit the
sections between the markers by hand. Every tool syncs the same generated tree into its own
bucket on one local Ceph RADOS Gateway. Wall seconds and peak RSS per process come from
\`/usr/bin/time\`; PUT requests from the gateway's own access log.

Scenarios: \`cold\` (empty bucket), \`fresh\` (every file touched, bytes unchanged — what a CI
checkout does), \`edit1\` (one file changed in place, same size), \`big\` (a 256 MiB file added:
multipart), \`big-fresh\` (everything touched again). The fewest correct PUTs: cold N, fresh 0,
edit1 1, big = its parts, big-fresh 0.

## Standard: 2,000 × 4 KiB files and a 256 MiB file

${section('standard', '(not run yet)')}

## Scale

${section('scale', '(not run yet)')}
`;
