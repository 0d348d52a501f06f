/**
 * The human listing of a plan (`s3ship plan`, `--dry-run`): every key acted on, with why.
 * Keys the spec does not own are one line per glob that spares them: they may be thousands
 * (files users uploaded next to the site), and the `--json` report lists every one.
 */
import { isUnowned, type Plan, type PlanItem } from '../plan.js';
import { formatBytes, formatCount } from './summary.js';

function line(item: PlanItem): string {
  const why = item.detail ? `${item.reason}: ${item.detail}` : item.reason;
  const size = item.action === 'upload' ? `, ${formatBytes(item.size)}` : '';
  const warning = item.warning ? `  warning: ${item.warning}` : '';
  return `${item.action.padEnd(6)}  ${item.key}  (${why}${size})${warning}`;
}

/** `keep    uploads/a.jpg and 41 more  (excluded: matches exclude uploads/**)` */
function unownedLines(items: PlanItem[]): string[] {
  const groups = new Map<string, PlanItem[]>();
  for (const item of items) {
    const why = `${item.reason}: ${item.detail ?? ''}`;
    const group = groups.get(why);
    if (group) group.push(item);
    else groups.set(why, [item]);
  }
  return [...groups].map(([why, group]) => {
    const more = group.length > 1 ? ` and ${formatCount(group.length - 1)} more` : '';
    return `${'keep'.padEnd(6)}  ${group[0]?.key ?? ''}${more}  (${why})`;
  });
}

export function planLines(plan: Plan): string[] {
  const keeps = plan.others.filter((i) => i.action === 'keep');
  return [
    ...[
      ...plan.assets,
      ...plan.entries,
      ...plan.deletes,
      ...keeps.filter((i) => !isUnowned(i)),
    ].map(line),
    ...unownedLines(keeps.filter(isUnowned)),
  ];
}
