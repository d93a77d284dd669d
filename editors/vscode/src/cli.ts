// Running the `strata` CLI: the plan fallback when the server lacks
// `strata.previewPlan`, and `schema inspect`.
import { execFile } from 'node:child_process';
import { normalizePreview, PlanPreview } from './plan';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], cwd: string | undefined, timeoutMs = 120_000): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { cwd, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        if (err && typeof (err as any).code !== 'number' && !stderr) stderr = err.message;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export interface ProjectArgs {
  env?: string;
  /** The project file, passed as --config. */
  config?: string;
  devUrl?: string;
  vars?: Record<string, string>;
}

export function projectArgs(p: ProjectArgs): string[] {
  const a: string[] = [];
  if (p.config) a.push('--config', p.config);
  if (p.env) a.push('--env', p.env);
  if (p.devUrl) a.push('--dev-url', p.devUrl);
  for (const [k, v] of Object.entries(p.vars ?? {})) a.push('--var', `${k}=${v}`);
  return a;
}

/** The last non-empty stderr line, without the "error: " prefix. */
export function errorText(r: RunResult): string {
  const text = (r.stderr || r.stdout).trim();
  return text || `strata exited with code ${r.code}`;
}

/** `strata schema apply --env E --dry-run --format json`, as a preview. */
export async function previewViaCli(bin: string, cwd: string, p: ProjectArgs): Promise<PlanPreview> {
  const args = ['--color', 'never', 'schema', 'apply', ...projectArgs(p), '--dry-run', '--format', 'json'];
  const r = await run(bin, args, cwd);
  if (r.code !== 0) throw new Error(errorText(r));
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`strata printed no JSON plan: ${r.stdout.slice(0, 200)}`);
  }
  return normalizePreview(json, 'cli');
}

/** `strata schema apply --env E --auto-approve` (after the client confirmed). */
export async function applyViaCli(bin: string, cwd: string, p: ProjectArgs): Promise<string> {
  const args = ['--color', 'never', 'schema', 'apply', ...projectArgs(p), '--auto-approve'];
  const r = await run(bin, args, cwd);
  if (r.code !== 0) throw new Error(errorText(r));
  return r.stdout;
}

/** `strata schema inspect` of a URL, or of the env's url. */
export async function inspectViaCli(
  bin: string,
  cwd: string | undefined,
  target: { url: string } | ProjectArgs,
): Promise<string> {
  const args = ['--color', 'never', 'schema', 'inspect'];
  if ('url' in target) args.push('--url', target.url);
  else args.push(...projectArgs({ ...target, devUrl: undefined }));
  const r = await run(bin, args, cwd);
  if (r.code !== 0) throw new Error(errorText(r));
  return r.stdout;
}
