// Unit tests of the extension's pure parts (no vscode module needed).
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { findStrata, INSTALL_HELP } from '../src/binary';
import { projectArgs } from '../src/cli';
import {
  changeCount,
  confirmation,
  driftOf,
  formatPlanDocument,
  normalizePreview,
  splitPlanSql,
  statusText,
} from '../src/plan';
import { chooseEnv, isSchemaFile, parseProject, pickProjectFile, srcPaths } from '../src/project';

describe('findStrata', () => {
  const exec = (set: string[]) => (f: string) => set.includes(f);
  it('prefers the strata.path setting', () => {
    const r = findStrata({ configured: '/opt/strata/bin/strata', envPath: '/usr/bin', isExecutable: exec(['/opt/strata/bin/strata', '/usr/bin/strata']) });
    assert.deepEqual(r, { ok: true, path: '/opt/strata/bin/strata', from: 'setting' });
  });
  it('finds strata on PATH', () => {
    const r = findStrata({ envPath: '/a:/b:/c', isExecutable: exec(['/b/strata', '/c/strata']), platform: 'linux' });
    assert.deepEqual(r, { ok: true, path: '/b/strata', from: 'PATH' });
  });
  it('resolves a relative setting against the workspace', () => {
    const r = findStrata({ configured: 'target/debug/strata', workspaceDir: '/ws', isExecutable: exec(['/ws/target/debug/strata']) });
    assert.deepEqual(r, { ok: true, path: '/ws/target/debug/strata', from: 'setting' });
  });
  it('looks a bare configured name up on PATH', () => {
    const r = findStrata({ configured: 'strata-dev', envPath: '/x', isExecutable: exec(['/x/strata-dev']) });
    assert.deepEqual(r, { ok: true, path: '/x/strata-dev', from: 'setting' });
  });
  it('explains what is missing', () => {
    const none = findStrata({ envPath: '/a:/b', isExecutable: () => false });
    assert.equal(none.ok, false);
    assert.match((none as any).reason, /no `strata` binary on PATH/);
    const bad = findStrata({ configured: '/nope/strata', isExecutable: () => false });
    assert.match((bad as any).reason, /strata.path is "\/nope\/strata"/);
    assert.match(INSTALL_HELP, /cargo install --path cli/);
  });
  it('uses ; and .exe on Windows', () => {
    const r = findStrata({ envPath: 'C:\\a;C:\\b', platform: 'win32', isExecutable: (f) => f.endsWith('strata.exe') && f.includes('b') });
    assert.equal(r.ok, true);
  });
});

const PROJECT = `
# a project file
variable "db" {
  type    = string
  default = "dev.db"
}

locals {
  schema_dir = "file://schema"
}

env "local" {
  src     = "file://schema"     // a directory
  url     = "sqlite://\${var.db}"
  dev     = "sqlite://dev?mode=memory"
  exclude = ["audit_*"]
  diff {
    skip {
      drop_table = true
    }
  }
}

env "ci" {
  src = ["file://schema.hcl", "file://extra/views.sql"]
  url = "sqlite://ci.db"
  migration {
    dir = <<-EOT
      env "not_an_env" { }
    EOT
  }
}

/* env "commented" { url = "x" } */
lint {
  destructive {
    error = true
  }
}
`;

describe('parseProject', () => {
  const p = parseProject(PROJECT);
  it('finds the envs in order', () => {
    assert.deepEqual(
      p.envs.map((e) => e.name),
      ['local', 'ci'],
    );
  });
  it('reads src, url and dev', () => {
    assert.deepEqual(p.envs[0], {
      name: 'local',
      src: ['file://schema'],
      url: 'sqlite://${var.db}',
      dev: 'sqlite://dev?mode=memory',
    });
    assert.deepEqual(p.envs[1].src, ['file://schema.hcl', 'file://extra/views.sql']);
    assert.equal(p.envs[1].url, 'sqlite://ci.db');
  });
  it('chooses the configured env, else the first', () => {
    assert.equal(chooseEnv(p, 'ci')?.name, 'ci');
    assert.equal(chooseEnv(p, 'nope')?.name, 'local');
    assert.equal(chooseEnv(p, undefined)?.name, 'local');
    assert.equal(chooseEnv({ envs: [] }, undefined), undefined);
  });
  it('survives broken files', () => {
    assert.deepEqual(parseProject('env "x" {\n  url = "sqlite://a.db"\n').envs, [{ name: 'x', src: [], url: 'sqlite://a.db' }]);
    assert.deepEqual(parseProject('env {\n name = atlas.env\n}').envs, []);
    assert.deepEqual(parseProject('').envs, []);
  });
  it('knows which files are schema files', () => {
    const dir = '/proj';
    assert.deepEqual(srcPaths(dir, p.envs[1]), [path.normalize('/proj/schema.hcl'), path.normalize('/proj/extra/views.sql')]);
    assert.equal(isSchemaFile(dir, p.envs[0], '/proj/schema/users.sql'), true);
    assert.equal(isSchemaFile(dir, p.envs[0], '/proj/other/users.sql'), false);
    assert.equal(isSchemaFile(dir, p.envs[1], '/proj/extra/views.sql'), true);
    assert.equal(isSchemaFile(dir, p.envs[1], '/proj/extra/other.sql'), false);
  });
});

describe('pickProjectFile', () => {
  it('prefers the nearest project above the active file, strata.hcl first', () => {
    const c = ['/w/atlas.hcl', '/w/strata.hcl', '/w/svc/strata.hcl'];
    assert.equal(pickProjectFile(c), '/w/strata.hcl');
    assert.equal(pickProjectFile(c, '/w/svc/schema/a.hcl'), '/w/svc/strata.hcl');
    assert.equal(pickProjectFile(c, '/elsewhere/a.hcl'), '/w/strata.hcl');
    assert.equal(pickProjectFile([]), undefined);
  });
});

// What `strata schema apply --dry-run --format json` prints for a rebuild and a drop.
const CLI_PLAN = {
  applied: false,
  sql: 'PRAGMA foreign_keys = off;\n-- rebuild table "users": drop the old table\nDROP TABLE "users";\n-- create table "posts"\nCREATE TABLE "posts" (\n  "id" integer NOT NULL\n);\n-- drop table "old"\nDROP TABLE "old";\nPRAGMA foreign_keys = on;\n',
  steps: [
    { comment: 'rebuild table "users": drop the old table', sql: 'DROP TABLE "users"', destructive: true },
    { comment: 'create table "posts"', sql: 'CREATE TABLE "posts" (\n  "id" integer NOT NULL\n)', destructive: false },
    { comment: 'drop table "old"', sql: 'DROP TABLE "old"', destructive: true },
  ],
  lint: [
    { code: 'DS102', severity: 'warning', message: 'drops table "old" and every row in it', change: 1 },
    { code: 'DS103', severity: 'warning', message: 'drops column "name" of "users" and its data', change: 0 },
  ],
  summary: { add: 1, modify: 1, rename: 0, drop: 1 },
};

// What the server's strata.previewPlan returns (no per-step list).
const SERVER_PLAN = {
  env: 'local',
  url: 'sqlite:///tmp/app.db',
  sql: CLI_PLAN.sql,
  summary: { add: 1, modify: 1, rename: 0, drop: 1 },
  summaryText: '1 to add, 1 to change, 0 to rename, 1 to drop',
  lint: CLI_PLAN.lint,
  steps: 3,
  destructive: 2,
  inSync: false,
};

describe('plans', () => {
  it('normalizes the CLI JSON', () => {
    const p = normalizePreview(CLI_PLAN, 'cli');
    assert.equal(p.steps.length, 3);
    assert.equal(p.steps.filter((s) => s.destructive).length, 2);
    assert.equal(p.inSync, false);
    assert.equal(changeCount(p), 3);
  });
  it('normalizes the server preview, splitting its SQL into steps', () => {
    const p = normalizePreview(SERVER_PLAN, 'server');
    assert.equal(p.env, 'local');
    assert.deepEqual(
      p.steps.map((s) => [s.sql.split('\n')[0], s.destructive]),
      [
        ['PRAGMA foreign_keys = off', false],
        ['DROP TABLE "users"', true],
        ['CREATE TABLE "posts" (', false],
        ['DROP TABLE "old"', true],
        ['PRAGMA foreign_keys = on', false],
      ],
    );
  });
  it('keeps a trigger body in one statement', () => {
    const steps = splitPlanSql('-- create trigger "t"\nCREATE TRIGGER t AFTER INSERT ON a BEGIN\n  UPDATE b SET x = 1;\nEND;\n');
    assert.equal(steps.length, 1);
    assert.match(steps[0].sql, /UPDATE b SET x = 1;\nEND$/);
  });
  it('flags dropped columns in rebuild comments', () => {
    const steps = splitPlanSql('-- rebuild table "u" (drop column "name"): create the new shape\nCREATE TABLE "_strata_new_u" (id int);\n');
    assert.equal(steps[0].destructive, true);
  });
  it('an empty plan is in sync', () => {
    const p = normalizePreview({ sql: '', summary: { add: 0, modify: 0, rename: 0, drop: 0 }, lint: [], steps: [] }, 'cli');
    assert.equal(p.inSync, true);
    assert.deepEqual(driftOf(p), { kind: 'inSync' });
    assert.match(formatPlanDocument(p, { env: 'local' }), /in sync: nothing to do/);
  });
  it('rejects what is not a plan', () => {
    assert.throws(() => normalizePreview(null, 'server'), /not a JSON object/);
  });
  it('formats the plan document with lint findings as SQL comments', () => {
    const doc = formatPlanDocument(normalizePreview(CLI_PLAN, 'cli'), { env: 'local', url: 'sqlite://app.db', note: 'a note\non two lines' });
    const lines = doc.split('\n');
    assert.equal(lines[0], '-- strata plan for env "local" (sqlite://app.db)');
    assert.equal(lines[1], '-- a note');
    assert.equal(lines[2], '-- on two lines');
    assert.ok(lines.includes('-- Plan: 1 to add, 1 to change, 0 to rename, 1 to drop.'));
    assert.ok(lines.includes('--   warning DS102: drops table "old" and every row in it'));
    assert.ok(lines.includes('-- 2 destructive statement(s): review before applying.'));
    assert.ok(doc.includes('CREATE TABLE "posts"'));
    // Every line before the SQL is a comment.
    const sqlStart = lines.indexOf('PRAGMA foreign_keys = off;');
    assert.ok(sqlStart > 0);
    assert.ok(lines.slice(0, sqlStart).every((l) => l === '' || l.startsWith('--')));
  });
  it('confirmation lists destructive statements first', () => {
    const { message, detail } = confirmation(normalizePreview(CLI_PLAN, 'cli'), { env: 'local', url: 'sqlite://app.db' });
    assert.equal(message, 'Apply 3 statement(s) to sqlite://app.db (env "local")?');
    const d = detail.indexOf('DESTRUCTIVE');
    const drop = detail.indexOf('DROP TABLE "old"');
    const create = detail.indexOf('CREATE TABLE "posts"');
    assert.ok(d >= 0 && d < drop && drop < create, detail);
    assert.ok(detail.indexOf('Lint:') < create);
  });
  it('confirmation is cut to a readable length', () => {
    const steps = Array.from({ length: 100 }, (_, i) => ({ sql: `CREATE TABLE t${i} (a int)`, destructive: false }));
    const { detail } = confirmation(normalizePreview({ sql: 'x', steps, summary: { add: 100 } }, 'cli'), { maxLines: 20 });
    assert.equal(detail.split('\n').length, 21);
    assert.match(detail, /more line\(s\)/);
  });
  it('status bar text', () => {
    assert.equal(statusText('local', { kind: 'inSync' }).text, '$(database) local: in sync');
    assert.equal(statusText('local', { kind: 'changes', count: 1, destructive: 0 }).text, '$(database) local: 1 change');
    assert.equal(statusText('local', { kind: 'changes', count: 3, destructive: 1 }).text, '$(database) local: 3 changes $(warning)');
    assert.equal(statusText('local', { kind: 'offline', reason: 'x' }).text, '$(debug-disconnect) local: offline');
    assert.match(statusText(undefined, { kind: 'noServer', reason: 'r' }).text, /not found/);
  });
  it('CLI arguments from the project', () => {
    assert.deepEqual(projectArgs({ config: '/p/strata.hcl', env: 'local', devUrl: 'sqlite://d?mode=memory', vars: { db: 'x.db' } }), [
      '--config', '/p/strata.hcl', '--env', 'local', '--dev-url', 'sqlite://d?mode=memory', '--var', 'db=x.db',
    ]);
  });
});
