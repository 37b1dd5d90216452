#!/usr/bin/env python3
"""Restart PostgreSQL under a write load and check that Roster loses nothing.

Starts `roster serve` on a fresh PostgreSQL database, drives concurrent
creates, restarts the PostgreSQL server in the middle, keeps driving, then
checks that every create that was acknowledged (201) is still there, that
the node answered 503 problem+json (not a crash) while the database was
away, and that /readyz recovered without restarting Roster. Prints the
counts; exits 1 if anything acknowledged is missing or the node did not
recover.

    cargo build --release -p roster
    scripts/pg-restart-under-load.py [--admin-url postgres://postgres@127.0.0.1:5432/test]

It restarts the machine's PostgreSQL cluster: do not run it next to other
PostgreSQL work.
"""
import argparse, json, os, socket, subprocess, sys, threading, time, urllib.request, urllib.error

KEY = "rk_fault_0123456789abcdefghij"


def http(method, url, body=None, timeout=10):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {KEY}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("content-type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("content-type", ""), e.read()
    except (urllib.error.URLError, ConnectionError, socket.timeout, TimeoutError) as e:
        return 0, "", str(e).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--admin-url", default=os.environ.get("ROSTER_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--binary", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "roster"))
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=12)
    ap.add_argument("--down", type=float, default=3, help="seconds PostgreSQL stays stopped")
    args = ap.parse_args()

    cluster = sorted(os.listdir("/etc/postgresql"))[0]
    db = f"roster_fault_{os.getpid()}"
    base_url = args.admin_url.rsplit("/", 1)[0]
    subprocess.run(["psql", args.admin_url, "-qc", f"CREATE DATABASE {db}"], check=True)
    port = socket.socket(); port.bind(("127.0.0.1", 0)); p = port.getsockname()[1]; port.close()
    env = dict(os.environ, ROSTER_BOOTSTRAP_API_KEY=KEY, ROSTER_RATE_LIMIT_PER_SECOND="0", ROSTER_LOG="warn")
    log_path = f"/tmp/{db}.log"
    log = open(log_path, "w")
    node = subprocess.Popen([args.binary, "serve", "--listen", f"127.0.0.1:{p}", "--database-url", f"{base_url}/{db}"], env=env, stderr=log)
    print(f"roster's log: {log_path}", flush=True)
    url = f"http://127.0.0.1:{p}"
    try:
        for _ in range(200):
            if http("GET", url + "/readyz")[0] == 200:
                break
            time.sleep(0.05)
        acked, outcomes, lock = [], {}, threading.Lock()
        stop = time.time() + args.seconds

        def writer(w):
            i = 0
            while time.time() < stop:
                status, ctype, body = http("POST", url + "/v1/users", {"email": f"w{w}-{i}@example.com"})
                i += 1
                with lock:
                    outcomes[status] = outcomes.get(status, 0) + 1
                    if status == 201:
                        acked.append(json.loads(body)["id"])
                    elif status == 503 and "problem+json" not in ctype:
                        outcomes["503 without problem+json"] = outcomes.get("503 without problem+json", 0) + 1

        threads = [threading.Thread(target=writer, args=(w,)) for w in range(args.writers)]
        for t in threads:
            t.start()
        time.sleep(args.seconds / 3)
        print(f"stopping PostgreSQL ({cluster}/main) for {args.down}s under load", flush=True)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "stop", "-m", "immediate"], check=True)
        t_down = time.time()
        ready_while_down = http("GET", url + "/readyz")[0]
        time.sleep(args.down)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "start"], check=True)
        t_up = time.time()
        recovered = None
        while time.time() - t_up < 30:
            if http("GET", url + "/readyz")[0] == 200:
                recovered = time.time() - t_up
                break
            time.sleep(0.1)
        for t in threads:
            t.join()
        missing = [i for i in acked if http("GET", f"{url}/v1/users/{i}")[0] != 200]
        status, _, body = http("GET", url + "/v1/users?limit=1")
        total = json.loads(body)["total_count"] if status == 200 else None
        print(json.dumps({
            "acknowledged_creates": len(acked),
            "outcomes_by_status": {str(k): v for k, v in sorted(outcomes.items(), key=lambda kv: str(kv[0]))},
            "readyz_while_down": ready_while_down,
            "seconds_down": round(t_up - t_down, 1),
            "seconds_to_ready_after_restart": None if recovered is None else round(recovered, 2),
            "users_in_database": total,
            "acknowledged_but_missing": len(missing),
            "node_still_running": node.poll() is None,
        }, indent=2))
        ok = not missing and recovered is not None and node.poll() is None and ready_while_down == 503
        print("OK: nothing acknowledged was lost and the node recovered by itself" if ok else "FAILED")
        return 0 if ok else 1
    finally:
        node.terminate()
        node.wait()
        subprocess.run(["psql", args.admin_url, "-qc", f"DROP DATABASE IF EXISTS {db} WITH (FORCE)"])


if __name__ == "__main__":
    sys.exit(main())
