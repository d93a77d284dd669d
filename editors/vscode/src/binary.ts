// Finding the `strata` binary: the `strata.path` setting, else PATH.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FindOptions {
  /** The `strata.path` setting ('' when unset). */
  configured?: string;
  /** PATH (defaults to process.env.PATH). */
  envPath?: string;
  platform?: NodeJS.Platform;
  /** The first workspace folder, for a relative `strata.path`. */
  workspaceDir?: string;
  isExecutable?: (file: string) => boolean;
}

export type Found =
  | { ok: true; path: string; from: 'setting' | 'PATH' }
  | { ok: false; reason: string };

function defaultIsExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) return false;
    if (process.platform === 'win32') return true;
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function expandHome(p: string): string {
  if (p === '~' || p.startsWith('~/')) {
    return path.join(process.env.HOME ?? process.env.USERPROFILE ?? '', p.slice(1));
  }
  return p;
}

/** Where the server binary is, or why there is none. */
export function findStrata(opts: FindOptions = {}): Found {
  const isExec = opts.isExecutable ?? defaultIsExecutable;
  const platform = opts.platform ?? process.platform;
  const configured = (opts.configured ?? '').trim();
  if (configured) {
    let p = expandHome(configured);
    if (!path.isAbsolute(p) && opts.workspaceDir && /[\\/]/.test(p)) {
      p = path.join(opts.workspaceDir, p);
    }
    if (!/[\\/]/.test(p)) {
      // A bare name such as "strata-nightly": look it up on PATH.
      const onPath = searchPath(p, opts.envPath ?? process.env.PATH ?? '', platform, isExec);
      if (onPath) return { ok: true, path: onPath, from: 'setting' };
      return { ok: false, reason: `strata.path is "${configured}", which is not on PATH` };
    }
    if (isExec(p)) return { ok: true, path: p, from: 'setting' };
    if (platform === 'win32' && isExec(p + '.exe')) return { ok: true, path: p + '.exe', from: 'setting' };
    return { ok: false, reason: `strata.path is "${configured}", which is not an executable file` };
  }
  const onPath = searchPath('strata', opts.envPath ?? process.env.PATH ?? '', platform, isExec);
  if (onPath) return { ok: true, path: onPath, from: 'PATH' };
  return { ok: false, reason: 'no `strata` binary on PATH and strata.path is not set' };
}

function searchPath(
  name: string,
  envPath: string,
  platform: NodeJS.Platform,
  isExec: (f: string) => boolean,
): string | undefined {
  const sep = platform === 'win32' ? ';' : ':';
  const exts = platform === 'win32' ? ['.exe', '.cmd', ''] : [''];
  for (const dir of envPath.split(sep)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = path.join(dir, name + ext);
      if (isExec(candidate)) return candidate;
    }
  }
  return undefined;
}

/** What to tell someone who has no binary. */
export const INSTALL_HELP =
  'Install it with `cargo install --path cli` from a strata checkout (this puts `strata` on PATH), ' +
  'or build it with `cargo build -p strata-cli` and set "strata.path" to target/debug/strata.';
