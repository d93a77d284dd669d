// Plans as the server (`strata.previewPlan`) or the CLI (`schema apply
// --dry-run --format json`) return them, and how the client shows them.

export interface LintFinding {
  code: string;
  severity: string;
  message: string;
}

export interface PlanStep {
  sql: string;
  comment?: string;
  destructive: boolean;
}

export interface Summary {
  add: number;
  modify: number;
  rename: number;
  drop: number;
}

export interface PlanPreview {
  sql: string;
  lint: LintFinding[];
  summary: Summary;
  /** Statements with their comments and destructive flags (from the CLI's JSON, or derived from `sql`). */
  steps: PlanStep[];
  inSync: boolean;
  env?: string;
  url?: string;
  source: 'server' | 'cli';
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** Accepts the server's preview or the CLI's JSON; fills what is missing. */
export function normalizePreview(raw: unknown, source: 'server' | 'cli'): PlanPreview {
  if (raw === null || typeof raw !== 'object') {
    throw new Error(`the plan is not a JSON object: ${JSON.stringify(raw)}`);
  }
  const r = raw as Record<string, unknown>;
  const sql = typeof r.sql === 'string' ? r.sql : '';
  const s = (r.summary ?? {}) as Record<string, unknown>;
  const summary: Summary = { add: num(s.add), modify: num(s.modify), rename: num(s.rename), drop: num(s.drop) };
  const lint: LintFinding[] = Array.isArray(r.lint)
    ? r.lint.map((f: any) => ({
        code: String(f?.code ?? ''),
        severity: String(f?.severity ?? 'warning').toLowerCase(),
        message: String(f?.message ?? ''),
      }))
    : [];
  let steps: PlanStep[];
  if (Array.isArray(r.steps)) {
    steps = r.steps.map((st: any) => ({
      sql: String(st?.sql ?? ''),
      comment: typeof st?.comment === 'string' ? st.comment : undefined,
      destructive: st?.destructive === true,
    }));
  } else {
    steps = splitPlanSql(sql);
  }
  const total = summary.add + summary.modify + summary.rename + summary.drop;
  const inSync = typeof r.inSync === 'boolean' ? r.inSync : sql.trim() === '' && total === 0;
  return {
    sql,
    lint,
    summary,
    steps,
    inSync,
    env: typeof r.env === 'string' ? r.env : undefined,
    url: typeof r.url === 'string' ? r.url : undefined,
    source,
  };
}

const DESTRUCTIVE_SQL = /^\s*DROP\s+(TABLE|VIEW|MATERIALIZED\s+VIEW|SCHEMA|TYPE|SEQUENCE|FUNCTION|PROCEDURE|EXTENSION)\b|\bDROP\s+COLUMN\b/i;
const DESTRUCTIVE_COMMENT = /\bdrop(s)?\s+(table|column|view|schema)\b/i;

/**
 * Statements of a plan printed by `Plan::to_sql` ("-- comment\nSQL;\n" per
 * step, PRAGMAs around). Used when the server gives SQL without steps; the
 * destructive flag is then a guess from the statement and its comment.
 */
export function splitPlanSql(sql: string): PlanStep[] {
  const steps: PlanStep[] = [];
  let comment: string | undefined;
  let buf: string[] = [];
  const flush = () => {
    const text = buf.join('\n').trim();
    if (text) {
      for (const stmt of splitLoose(text, comment)) steps.push(stmt);
    }
    buf = [];
    comment = undefined;
  };
  for (const line of sql.split('\n')) {
    if (line.startsWith('-- ')) {
      flush();
      comment = line.slice(3).trim();
    } else {
      buf.push(line);
    }
  }
  flush();
  return steps;
}

// Lines before the first comment (PRAGMAs) are one statement each; a
// commented step is one statement, even when its body holds semicolons.
function splitLoose(text: string, comment: string | undefined): PlanStep[] {
  const mk = (s: string, c?: string): PlanStep => {
    const body = s.replace(/;\s*$/, '');
    return {
      sql: body,
      comment: c,
      destructive: DESTRUCTIVE_SQL.test(body) || (c !== undefined && DESTRUCTIVE_COMMENT.test(c)),
    };
  };
  if (comment !== undefined) {
    // Trailing single-line statements after the step (post PRAGMAs) split off.
    const lines = text.split('\n');
    const out: PlanStep[] = [];
    while (lines.length > 1 && /^PRAGMA\b.*;\s*$/i.test(lines[lines.length - 1])) {
      out.unshift(mk(lines.pop()!));
    }
    return [mk(lines.join('\n'), comment), ...out];
  }
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => mk(l));
}

export function summaryText(s: Summary): string {
  return `${s.add} to add, ${s.modify} to change, ${s.rename} to rename, ${s.drop} to drop`;
}

export function changeCount(p: PlanPreview): number {
  const t = p.summary.add + p.summary.modify + p.summary.rename + p.summary.drop;
  if (t === 0 && !p.inSync) return p.steps.length;
  return t;
}

function commentLines(text: string, prefix = '-- '): string[] {
  return text.split('\n').map((l) => (prefix + l).trimEnd());
}

/** The read-only SQL document: header, lint findings as SQL comments, then the plan's SQL. */
export function formatPlanDocument(
  p: PlanPreview,
  ctx: { env?: string; url?: string; note?: string } = {},
): string {
  const env = p.env ?? ctx.env;
  const url = p.url ?? ctx.url;
  const out: string[] = [];
  let title = '-- strata plan';
  if (env) title += ` for env "${env}"`;
  if (url) title += ` (${url})`;
  out.push(title);
  if (ctx.note) out.push(...commentLines(ctx.note));
  if (p.inSync) {
    out.push('-- Schema is in sync: nothing to do.');
    return out.join('\n') + '\n';
  }
  out.push(`-- Plan: ${summaryText(p.summary)}.`);
  if (p.lint.length) {
    out.push('--');
    out.push('-- Lint:');
    for (const f of p.lint) {
      const [first, ...rest] = f.message.split('\n');
      out.push(`--   ${f.severity} ${f.code}: ${first}`.trimEnd());
      for (const r of rest) out.push(`--     ${r}`.trimEnd());
    }
  }
  const destructive = p.steps.filter((s) => s.destructive).length;
  if (destructive) {
    out.push('--');
    out.push(`-- ${destructive} destructive statement(s): review before applying.`);
  }
  out.push('');
  out.push(p.sql.trimEnd());
  return out.join('\n') + '\n';
}

function stepText(s: PlanStep, maxLines: number): string[] {
  const lines: string[] = [];
  if (s.comment) lines.push(`-- ${s.comment}`);
  const body = (s.sql.trimEnd() + ';').split('\n');
  lines.push(...body.slice(0, maxLines));
  if (body.length > maxLines) lines.push(`  … (${body.length - maxLines} more lines)`);
  return lines;
}

/** The apply confirmation: a one-line question and a detail that lists destructive statements first. */
export function confirmation(
  p: PlanPreview,
  ctx: { env?: string; url?: string; maxLines?: number } = {},
): { message: string; detail: string } {
  const env = p.env ?? ctx.env;
  const url = p.url ?? ctx.url;
  const n = p.steps.length;
  let message = `Apply ${n} statement(s)`;
  if (url) message += ` to ${url}`;
  if (env) message += ` (env "${env}")`;
  message += '?';
  const max = ctx.maxLines ?? 60;
  const detail: string[] = [`Plan: ${summaryText(p.summary)}.`];
  const destructive = p.steps.filter((s) => s.destructive);
  const others = p.steps.filter((s) => !s.destructive);
  if (destructive.length) {
    detail.push('', `⚠ ${destructive.length} DESTRUCTIVE statement(s):`);
    for (const s of destructive) detail.push(...stepText(s, 6));
  }
  const lint = p.lint;
  if (lint.length) {
    detail.push('', 'Lint:');
    for (const f of lint) detail.push(`  ${f.severity} ${f.code}: ${f.message}`);
  }
  if (others.length) {
    detail.push('', `${destructive.length ? 'Other statements' : 'Statements'} (${others.length}):`);
    for (const s of others) detail.push(...stepText(s, 4));
  }
  if (detail.length > max) {
    const cut = detail.length - max;
    detail.length = max;
    detail.push(`… ${cut} more line(s): run "Strata: Preview plan" to see everything.`);
  }
  return { message, detail: detail.join('\n') };
}

export type Drift =
  | { kind: 'unknown' }
  | { kind: 'checking' }
  | { kind: 'inSync' }
  | { kind: 'changes'; count: number; destructive: number }
  | { kind: 'offline'; reason: string }
  | { kind: 'noServer'; reason: string }
  | { kind: 'noProject' };

export function driftOf(p: PlanPreview): Drift {
  if (p.inSync) return { kind: 'inSync' };
  return { kind: 'changes', count: changeCount(p), destructive: p.steps.filter((s) => s.destructive).length };
}

/** The status bar item's text and tooltip. */
export function statusText(env: string | undefined, d: Drift): { text: string; tooltip: string } {
  const e = env ?? '(no env)';
  switch (d.kind) {
    case 'inSync':
      return { text: `$(database) ${e}: in sync`, tooltip: `strata: env "${e}" matches the schema files. Click to preview the plan.` };
    case 'changes':
      return {
        text: `$(database) ${e}: ${d.count} change${d.count === 1 ? '' : 's'}${d.destructive ? ' $(warning)' : ''}`,
        tooltip: `strata: the database of env "${e}" differs from the schema files (${d.count} change(s)${
          d.destructive ? `, ${d.destructive} destructive statement(s)` : ''
        }). Click to preview the plan.`,
      };
    case 'offline':
      return { text: `$(debug-disconnect) ${e}: offline`, tooltip: `strata: cannot plan env "${e}": ${d.reason}` };
    case 'noServer':
      return { text: '$(error) strata: not found', tooltip: `strata: ${d.reason}` };
    case 'noProject':
      return { text: '$(database) strata: no project', tooltip: 'strata: no strata.hcl or atlas.hcl in this workspace' };
    case 'checking':
      return { text: `$(sync~spin) ${e}`, tooltip: `strata: planning env "${e}"…` };
    default:
      return { text: `$(database) ${e}`, tooltip: 'strata' };
  }
}
