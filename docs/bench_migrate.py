# Times `strata migrate` on generated SQLite migration directories (see docs/benchmarks.md).
# Usage from the workspace root, after `cargo build --release -p strata-cli`:
#   python3 docs/bench_migrate.py 100,300,1000
import subprocess, time, os, shutil, statistics, sys
S = os.path.abspath("target/release/strata")
env = dict(os.environ, NO_COLOR="1")
def run(args, cwd):
    t = time.perf_counter()
    r = subprocess.run([S] + args, cwd=cwd, env=env, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode != 0:
        print(args, r.stdout[-500:], r.stderr[-1000:]); sys.exit(1)
    return dt
def med(xs): return statistics.median(xs) * 1000
rows = []
for n in [int(x) for x in sys.argv[1].split(",")]:
    d = f"/tmp/mb{n}"; shutil.rmtree(d, ignore_errors=True); os.makedirs(d + "/migrations")
    for i in range(1, n + 1):
        with open(f"{d}/migrations/{i:05d}_t{i}.sql", "w") as f:
            f.write(f"CREATE TABLE t{i} (id integer PRIMARY KEY, name text NOT NULL, parent integer REFERENCES t{max(i-1,1)}(id));\nCREATE INDEX t{i}_name ON t{i} (name);\n")
    run(["migrate", "hash"], d)
    R = 5
    hashes = [run(["migrate", "hash"], d) for _ in range(R)]
    validate = [run(["migrate", "validate"], d) for _ in range(R)]
    applies = []
    for _ in range(3):
        if os.path.exists(d + "/app.db"): os.remove(d + "/app.db")
        applies.append(run(["migrate", "apply", "--url", "sqlite://app.db"], d))
    status = [run(["migrate", "status", "--url", "sqlite://app.db"], d) for _ in range(R)]
    downs = []
    for _ in range(3):
        downs.append(run(["migrate", "down", "--url", "sqlite://app.db", "--auto-approve"], d))
        run(["migrate", "apply", "--url", "sqlite://app.db"], d)
    noop = [run(["migrate", "apply", "--url", "sqlite://app.db"], d) for _ in range(R)]
    rows.append((n, med(hashes), med(validate), med(applies), med(noop), med(status), med(downs)))
print("| files | hash | validate | apply (fresh) | apply (nothing pending) | status | down 1 |")
print("| ----: | ---: | -------: | ------------: | ----------------------: | -----: | -----: |")
for r in rows:
    print("| {} | {:.0f} ms | {:.0f} ms | {:.0f} ms | {:.0f} ms | {:.0f} ms | {:.0f} ms |".format(*r))
