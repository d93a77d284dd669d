# Times the release `strata` binary as a user runs it, next to the alternatives
# (see docs/benchmarks.md, "Where users wait"). Whole processes, interleaved
# with the alternatives round by round, medians; peak RSS from /usr/bin/time -v.
#
# Usage from the workspace root, after `cargo build --release -p strata-cli`:
#   python3 docs/bench_speed.py inspect 1000,5000     PostgreSQL inspect vs pg_dump vs one catalog query
#   python3 docs/bench_speed.py normalize 1000,5000   PostgreSQL diff file→db: cold, cached; vs createdb + psql -f + dropdb
#   python3 docs/bench_speed.py sqlite 1000,10000     SQLite no-op `schema apply --dry-run`: cold, cached
# PostgreSQL at 127.0.0.1:5432 as postgres (trust). Databases it creates are
# named strata_bench_* and dropped at the end; scratch files live in a temp dir.
import os, re, shutil, statistics, subprocess, sys, tempfile, time

S = os.path.abspath("target/release/strata")
PG = "postgres://postgres@127.0.0.1:5432/{db}?sslmode=disable"
ADMIN = PG.format(db="postgres")
ROUNDS = int(os.environ.get("ROUNDS", "5"))
# `psql -f` of thousands of tables commits (and waits for the disk) per statement: minutes each.
PSQL_ROUNDS = int(os.environ.get("PSQL_ROUNDS", "1"))
KEEP = os.environ.get("KEEP") == "1"  # keep the loaded databases for the next run
BASE_ENV = dict(os.environ, NO_COLOR="1")


def run(cmd, env=None, cwd=None, ok=(0,)):
    """Runs `cmd` under /usr/bin/time -v: (seconds, peak RSS in MiB, stdout)."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-v"] + cmd, env=env or BASE_ENV, cwd=cwd,
                       capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode not in ok:
        print(" ".join(cmd), r.stdout[-800:], r.stderr[-1500:], file=sys.stderr)
        sys.exit(1)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    return dt, rss, r.stdout


def psql(db, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-c", sql],
                   check=True, capture_output=True)


def pg_schema_sql(n):
    """The bench-pg schema: 12 columns, an FK chain, a unique and a partial expression index per table."""
    out = []
    for i in range(n):
        prev = "" if i == 0 else f", CONSTRAINT t{i}_prev FOREIGN KEY (prev_id) REFERENCES t{i-1} (id) ON DELETE CASCADE"
        out.append(
            f"CREATE TABLE t{i} (id bigint PRIMARY KEY, prev_id bigint, a text NOT NULL, b varchar(255), c numeric(10,2) DEFAULT 0, "
            f"d boolean NOT NULL DEFAULT false, e timestamptz DEFAULT now(), f integer, g jsonb, h real, k text, m date{prev});\n"
            f"CREATE UNIQUE INDEX t{i}_a ON t{i} (a);\nCREATE INDEX t{i}_b ON t{i} (lower(b)) WHERE f > 0;\n")
    return "".join(out)


COLUMNS = [("id", "integer", ""), ("prev_id", "integer", "null = true"), ("a", "varchar(255)", ""),
           ("b", "text", ""), ("score", "real", "null = true"), ("qty", "integer", "default = 0"),
           ("note", "text", "null = true"), ("created_at", "text", 'default = sql("CURRENT_TIMESTAMP")'),
           ("price", "decimal(10,2)", "null = true"), ("active", "boolean", "default = true"),
           ("data", "blob", "null = true"), ("status", "varchar(32)", 'default = "new"')]


def sqlite_schema_hcl(n):
    """The `xtask bench` schema (same generator, in Python)."""
    out = ['schema "main" {}\n']
    for i in range(n):
        out.append(f'\ntable "t{i}" {{\n  schema = schema.main\n')
        for name, ty, extra in COLUMNS:
            out.append(f'  column "{name}" {{\n    type = {ty}\n' + (f"    {extra}\n" if extra else "") + "  }\n")
        out.append("  primary_key {\n    columns = [column.id]\n  }\n")
        if i > 0:
            out.append(f'  foreign_key "t{i}_prev" {{\n    columns     = [column.prev_id]\n    ref_columns = [table.t{i-1}.column.id]\n    on_delete   = CASCADE\n  }}\n')
        out.append(f'  index "t{i}_a" {{\n    unique  = true\n    columns = [column.a]\n  }}\n')
        out.append(f'  index "t{i}_b" {{\n    columns = [column.b]\n  }}\n')
        out.append("}\n")
    return "".join(out)


def med(xs):
    return statistics.median(xs)


def fmt_s(s):
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s"


def load_pg(n, tmp):
    """The n-table database (kept from an earlier run when it is complete) and the schema file."""
    db = f"strata_bench_{n}"
    path = os.path.join(tmp, f"pg{n}.sql")
    with open(path, "w") as f:
        f.write(pg_schema_sql(n))
    count = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc",
                            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public'"],
                           capture_output=True, text=True).stdout.strip()
    if count == str(3 * n):
        return db, path
    psql("postgres", f"DROP DATABASE IF EXISTS {db}")
    psql("postgres", f"CREATE DATABASE {db}")
    # Loading is not what is measured: commits need not wait for the disk.
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-f", path],
                   check=True, capture_output=True, env=dict(os.environ, PGOPTIONS="-c synchronous_commit=off"))
    return db, path


FLOOR_QUERY = ("SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
               "pg_get_expr(d.adbin, d.adrelid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
               "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
               "LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum "
               "WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY 1, a.attnum")


def bench_inspect(sizes, tmp):
    print("| tables | strata inspect (HCL) | strata inspect (JSON) | pg_dump --schema-only | one catalog query (psql) |")
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        db, _ = load_pg(n, tmp)
        url = PG.format(db=db) + "&search_path=public"
        cmds = {
            "hcl": [S, "schema", "inspect", "--url", url],
            "json": [S, "schema", "inspect", "--url", url, "--format", "json"],
            "pg_dump": ["pg_dump", "--schema-only", "-h", "127.0.0.1", "-U", "postgres", db],
            "floor": ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-Atc", FLOOR_QUERY],
        }
        res = {k: [] for k in cmds}
        for _ in range(ROUNDS):
            for k, c in cmds.items():
                res[k].append(run(c)[:2])
        cell = lambda k: f"{fmt_s(med([t for t, _ in res[k]]))}, {med([r for _, r in res[k]]):.0f} MiB"
        print(f"| {n:,} | {cell('hcl')} | {cell('json')} | {cell('pg_dump')} | {cell('floor')} |", flush=True)


def bench_normalize(sizes, tmp):
    print("| tables | diff, no cache (replay) | diff, cached | createdb + psql -f + dropdb |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        db, path = load_pg(n, tmp)
        url = PG.format(db=db) + "&search_path=public"
        cache = os.path.join(tmp, f"cache{n}")
        env = dict(BASE_ENV, STRATA_CACHE_DIR=cache)
        diff = [S, "schema", "diff", "--from", url, "--to", "file://" + path, "--dev-url", ADMIN]
        cold, warm, psql_f = [], [], []
        run(diff, env=env)  # fills the cache
        for r in range(ROUNDS):
            cold.append(run(diff + ["--no-cache"], env=env)[:2])
            warm.append(run(diff, env=env)[:2])
            if r >= PSQL_ROUNDS:
                continue
            scratch = f"strata_bench_psql_{n}_{r}"
            t = time.perf_counter()
            psql("postgres", f"CREATE DATABASE {scratch}")
            subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres", "-d", scratch,
                            "-f", path], check=True, capture_output=True)
            psql("postgres", f"DROP DATABASE {scratch}")
            psql_f.append((time.perf_counter() - t, 0))
        cell = lambda xs: f"{fmt_s(med([t for t, _ in xs]))}, {med([r for _, r in xs]):.0f} MiB"
        print(f"| {n:,} | {cell(cold)} | {cell(warm)} | {fmt_s(med([t for t, _ in psql_f]))} |", flush=True)


def bench_sqlite(sizes, tmp):
    print("| tables | apply --dry-run no-op, no cache | the same, cached | diff + plan only (db → db) |")
    print("|---:|---:|---:|---:|")
    for n in sizes:
        d = os.path.join(tmp, f"sq{n}")
        os.makedirs(d)
        with open(os.path.join(d, "schema.hcl"), "w") as f:
            f.write(sqlite_schema_hcl(n))
        env = dict(BASE_ENV, STRATA_CACHE_DIR=os.path.join(d, "cache"))
        run([S, "schema", "apply", "--url", "sqlite://app.db", "--to", "file://schema.hcl", "--auto-approve"],
            env=env, cwd=d)
        shutil.copy(os.path.join(d, "app.db"), os.path.join(d, "copy.db"))
        dry = [S, "schema", "apply", "--url", "sqlite://app.db", "--to", "file://schema.hcl", "--dry-run"]
        cold, warm, dbdb = [], [], []
        run(dry, env=env, cwd=d)
        for _ in range(ROUNDS):
            cold.append(run(dry + ["--no-cache"], env=env, cwd=d)[:2])
            warm.append(run(dry, env=env, cwd=d)[:2])
            dbdb.append(run([S, "schema", "diff", "--from", "sqlite://app.db", "--to", "sqlite://copy.db"],
                            env=env, cwd=d)[:2])
        cell = lambda xs: f"{fmt_s(med([t for t, _ in xs]))}, {med([r for _, r in xs]):.0f} MiB"
        print(f"| {n:,} | {cell(cold)} | {cell(warm)} | {cell(dbdb)} |", flush=True)


if __name__ == "__main__":
    what, sizes = sys.argv[1], [int(x) for x in sys.argv[2].split(",")]
    tmp = tempfile.mkdtemp(prefix="strata-bench-")
    try:
        {"inspect": bench_inspect, "normalize": bench_normalize, "sqlite": bench_sqlite}[what](sizes, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        for n in [] if KEEP else sizes:
            subprocess.run(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c",
                            f"DROP DATABASE IF EXISTS strata_bench_{n}"], capture_output=True)
