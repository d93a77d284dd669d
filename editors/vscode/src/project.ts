// The project file (strata.hcl / atlas.hcl), read just enough for the client:
// env names, their src and url. The server reads it properly; this tolerant
// scanner only feeds the env picker, the CLI fallback and SQL file detection.
import * as path from 'node:path';

export interface EnvInfo {
  name: string;
  /** `src` as written: one string or a list. */
  src: string[];
  url?: string;
  dev?: string;
}

export interface ProjectInfo {
  envs: EnvInfo[];
}

type Tok =
  | { k: 'ident'; v: string }
  | { k: 'str'; v: string }
  | { k: 'punct'; v: string }
  | { k: 'other'; v: string };

/** Tokens of HCL: identifiers, strings (with their raw `${…}`), punctuation; comments and heredoc bodies skipped. */
export function tokenize(text: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '#' || (c === '/' && text[i + 1] === '/')) {
      while (i < n && text[i] !== '\n') i++;
    } else if (c === '/' && text[i + 1] === '*') {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '<' && text[i + 1] === '<') {
      const m = /^<<-?\s*([A-Za-z_]\w*)[ \t]*\r?\n/.exec(text.slice(i));
      if (!m) {
        out.push({ k: 'other', v: '<' });
        i++;
        continue;
      }
      i += m[0].length;
      const end = new RegExp(`^[ \\t]*${m[1]}[ \\t]*$`, 'm');
      const rest = text.slice(i);
      const e = end.exec(rest);
      i = e ? i + e.index + e[0].length : n;
      out.push({ k: 'other', v: 'heredoc' });
    } else if (c === '"') {
      let s = '';
      i++;
      let depth = 0;
      while (i < n) {
        const d = text[i];
        if (d === '\\' && i + 1 < n) {
          const e = text[i + 1];
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
          continue;
        }
        if (d === '$' && text[i + 1] === '{') {
          depth++;
          s += '${';
          i += 2;
          continue;
        }
        if (d === '}' && depth > 0) depth--;
        if (d === '"' && depth === 0) break;
        if (d === '\n' && depth === 0) break;
        s += d;
        i++;
      }
      i++;
      out.push({ k: 'str', v: s });
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[\w-]/.test(text[j])) j++;
      out.push({ k: 'ident', v: text.slice(i, j) });
      i = j;
    } else if ('{}[]=,()'.includes(c)) {
      out.push({ k: 'punct', v: c });
      i++;
    } else {
      out.push({ k: 'other', v: c });
      i++;
    }
  }
  return out;
}

/** The envs of a project file, in order. Unlabeled `env { name = atlas.env }` blocks are skipped. */
export function parseProject(text: string): ProjectInfo {
  const toks = tokenize(text);
  const envs: EnvInfo[] = [];
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t.k === 'punct' && (t.v === '{' || t.v === '[' || t.v === '(')) {
      depth++;
      continue;
    }
    if (t.k === 'punct' && (t.v === '}' || t.v === ']' || t.v === ')')) {
      depth = Math.max(0, depth - 1);
      continue;
    }
    if (depth !== 0 || t.k !== 'ident' || t.v !== 'env') continue;
    const label = toks[i + 1];
    const brace = toks[i + 2];
    if (label?.k !== 'str' || brace?.k !== 'punct' || brace.v !== '{') continue;
    const env: EnvInfo = { name: label.v, src: [] };
    // Read the body's top-level attributes.
    let j = i + 3;
    let d = 1;
    while (j < toks.length && d > 0) {
      const u = toks[j];
      if (u.k === 'punct' && (u.v === '{' || u.v === '[' || u.v === '(')) d++;
      else if (u.k === 'punct' && (u.v === '}' || u.v === ']' || u.v === ')')) d--;
      else if (d === 1 && u.k === 'ident' && toks[j + 1]?.k === 'punct' && toks[j + 1].v === '=') {
        const v = toks[j + 2];
        if (u.v === 'src') {
          if (v?.k === 'str') env.src.push(v.v);
          else if (v?.k === 'punct' && v.v === '[') {
            let k = j + 3;
            while (k < toks.length && !(toks[k].k === 'punct' && toks[k].v === ']')) {
              const w = toks[k];
              if (w.k === 'str') env.src.push(w.v);
              k++;
            }
          }
        } else if (u.v === 'url' && v?.k === 'str') env.url = v.v;
        else if (u.v === 'dev' && v?.k === 'str') env.dev = v.v;
      }
      j++;
    }
    envs.push(env);
    i = j - 1;
  }
  return { envs };
}

/** The env to use: the configured one when the project has it, else the first. */
export function chooseEnv(project: ProjectInfo, configured: string | undefined): EnvInfo | undefined {
  if (configured) {
    const e = project.envs.find((x) => x.name === configured);
    if (e) return e;
  }
  return project.envs[0];
}

/** Of several project files, the one nearest above `activeFile` (strata.hcl before atlas.hcl), else the shallowest. */
export function pickProjectFile(candidates: string[], activeFile?: string): string | undefined {
  if (candidates.length === 0) return undefined;
  const rank = (f: string) => (path.basename(f) === 'strata.hcl' ? 0 : 1);
  const sorted = [...candidates].sort(
    (a, b) => a.split(/[\\/]/).length - b.split(/[\\/]/).length || rank(a) - rank(b) || a.localeCompare(b),
  );
  if (activeFile) {
    const owners = sorted.filter((f) => isInside(path.dirname(f), activeFile));
    if (owners.length) {
      owners.sort(
        (a, b) => b.split(/[\\/]/).length - a.split(/[\\/]/).length || rank(a) - rank(b),
      );
      return owners[0];
    }
  }
  return sorted[0];
}

export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** The local paths an env's `src` names (file:// URLs, relative to the project directory). */
export function srcPaths(projectDir: string, env: EnvInfo): string[] {
  const out: string[] = [];
  for (const s of env.src) {
    if (s.includes('${')) continue; // needs variables: the server knows better
    if (!s.startsWith('file://')) continue;
    const p = s.slice('file://'.length).split('?')[0];
    out.push(path.normalize(path.isAbsolute(p) ? p : path.join(projectDir, p)));
  }
  return out;
}

/** Whether `file` is one of the env's schema files (named, or inside a named directory). */
export function isSchemaFile(projectDir: string, env: EnvInfo, file: string): boolean {
  const f = path.normalize(file);
  return srcPaths(projectDir, env).some((p) => p === f || isInside(p, f));
}
