/** The human listing of a plan (`s3ship plan`, `--dry-run`): every key acted on, with why. */
import type { Plan, PlanItem } from '../plan.js';
import { formatBytes } from './summary.js';

function line(item: PlanItem): string {
  const why = item.detail ? `${item.reason}: ${item.detail}` : item.reason;
  const size = item.action === 'upload' ? `, ${formatBytes(item.size)}` : '';
  return `${item.action.padEnd(6)}  ${item.key}  (${why}${size})`;
}

export function planLines(plan: Plan): string[] {
  return [
    ...plan.assets,
    ...plan.entries,
    ...plan.deletes,
    ...plan.others.filter((i) => i.action === 'keep'),
  ].map(line);
}
