# Times `strata migrate` on a generated PostgreSQL migration directory, beside
# `psql -f` of the same files (see docs/benchmarks.md).
# Usage from the workspace root, after `cargo build --release -p strata-cli`,
# with a PostgreSQL server on 127.0.0.1:5432 (user postgres, trust):
#   python3 docs/bench_migrate_pg.py 1000 [path/to/strata]
# Medians of 3–5 runs (1 for the per-file psql loop), timed here.
import subprocess, time, os, shutil, statistics, sys, json
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
S = os.path.abspath(sys.argv[2] if len(sys.argv) > 2 else "target/release/strata")
ADMIN = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
DB = "strata_bench_migrate"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}?sslmode=disable"
env = dict(os.environ, NO_COLOR="1")
d = f"/tmp/strata_bench_pg_{N}"

def sh(args, ok=True):
    r = subprocess.run(args, cwd=d, env=env, capture_output=True, text=True)
    if ok and r.returncode != 0:
        print(args, r.stdout[-500:], r.stderr[-1500:]); sys.exit(1)
    return r

def psql(sql, db="postgres"):
    sh(["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-v", "ON_ERROR_STOP=1", "-c", sql])

def fresh():
    psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{DB}"')

def timed(args, runs, prepare=None):
    """Median seconds of `args` (a strata command line or a shell string)."""
    xs = []
    for _ in range(runs):
        if prepare: prepare()
        t = time.perf_counter()
        if isinstance(args, str):
            r = subprocess.run(args, shell=True, cwd=d, env=env, capture_output=True, text=True)
        else:
            r = subprocess.run([S] + args, cwd=d, env=env, capture_output=True, text=True)
        xs.append(time.perf_counter() - t)
        if r.returncode != 0:
            print(args, r.stdout[-500:], r.stderr[-1500:]); sys.exit(1)
    return statistics.median(xs)

shutil.rmtree(d, ignore_errors=True); os.makedirs(d + "/migrations")
for i in range(1, N + 1):
    with open(f"{d}/migrations/{i:05d}_t{i}.sql", "w") as f:
        f.write(f"CREATE TABLE t{i} (id bigint PRIMARY KEY, name text NOT NULL, parent bigint REFERENCES t{max(i-1,1)}(id));\nCREATE INDEX t{i}_name ON t{i} (name);\n")
sh([S, "migrate", "hash"])
files = " ".join(f"-f migrations/{f}" for f in sorted(os.listdir(d + "/migrations")) if f.endswith(".sql"))
dirf = ["--dir", "file://migrations"]
conn = ["--url", URL] + dirf
dev = ["--dev-url", ADMIN]
R = 5
res = {}
res["psql -f (all files, one session)"] = timed(f"psql -q -h 127.0.0.1 -U postgres -d {DB} -v ON_ERROR_STOP=1 -1 {files}", 3, fresh)
res["psql -f (a transaction per file)"] = timed(f"for f in migrations/*.sql; do psql -q -h 127.0.0.1 -U postgres -d {DB} -v ON_ERROR_STOP=1 -1 -f $f || exit 1; done", 1, fresh)
res["migrate apply (fresh)"] = timed(["migrate", "apply"] + conn, 3, fresh)
res["migrate apply (nothing pending)"] = timed(["migrate", "apply"] + conn, R)
res["migrate status"] = timed(["migrate", "status"] + conn, R)
res["migrate validate"] = timed(["migrate", "validate"] + dirf + dev, R)
def back_up(): sh([S, "migrate", "apply"] + conn)
res["migrate down 1"] = timed(["migrate", "down", "--auto-approve"] + conn + dev, 3, back_up)
res["migrate down 10"] = timed(["migrate", "down", "10", "--auto-approve"] + conn + dev, 3, back_up)
psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
shutil.rmtree(d, ignore_errors=True)
print(f"| PostgreSQL, {N} files | median |")
print("| --- | ---: |")
for k, v in res.items():
    print(f"| {k} | {v*1000:.0f} ms |")
