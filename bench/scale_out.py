#!/usr/bin/env python3
"""End-to-end throughput of yizhan with 1, 2 and 3 instances on PostgreSQL, next to SQLite.

For each setup and run: a fresh `yizhan emulator` (1,000 directory members, so WeCom's
30-per-member-per-minute limit is not hit), a fresh database (SQLite file, or PostgreSQL
database `yz_bench_<n>` created and dropped with psql), K `yizhan serve` processes on loopback,
and N messages with unique texts posted round-robin through the instances with
`POST /v1/messages:batch` (100 per request, 8 concurrent clients). The clock runs from the first
POST until the emulator counts N deliveries; the script prints every run and the median.

Usage: bench/scale_out.py [--messages N] [--runs R] [--bin target/release/yizhan]
Environment: YIZHAN_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/postgres).
Build first: cargo build --release -p yizhan. Loopback only; nothing leaves the machine.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid

KEY = "bench-key"
MEMBERS = 1000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def post(url, body):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    req.add_header("Authorization", f"Bearer {KEY}")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, json.loads(r.read())


def psql(admin, sql):
    subprocess.run(["psql", admin, "-v", "ON_ERROR_STOP=1", "-qc", sql], check=True, capture_output=True)


def one_run(binary, work, backend, instances, n, admin):
    emu_port = free_port()
    emu_cfg = os.path.join(work, "emulator.toml")
    users = ", ".join(f'"u{i:04}"' for i in range(MEMBERS))
    with open(emu_cfg, "w") as f:
        f.write(f"[wecom]\nusers = [{users}]\n")
    procs = []
    db_name = None
    try:
        procs.append(subprocess.Popen([binary, "emulator", "--port", str(emu_port), "--emulator-config", emu_cfg],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait_http(f"http://127.0.0.1:{emu_port}/__emulator/stats")
        if backend == "sqlite":
            url = "sqlite://" + os.path.join(work, f"outbox-{uuid.uuid4().hex}.db")
        else:
            db_name = f"yz_bench_{uuid.uuid4().hex}"
            psql(admin, f"CREATE DATABASE {db_name}")
            url = admin.rsplit("/", 1)[0] + "/" + db_name
        cfg = os.path.join(work, "yizhan.toml")
        sha = hashlib.sha256(KEY.encode()).hexdigest()
        with open(cfg, "w") as f:
            f.write(f'[store]\nurl = "{url}"\n\n[[channels]]\nname = "ops"\nkind = "wecom_app"\n'
                    f'corp_id = "wwyizhandemo"\nagent_id = 1000002\nsecret = "yizhan-demo-secret"\n'
                    f'base_url = "http://127.0.0.1:{emu_port}"\n\n[[api_keys]]\nname = "bench"\n'
                    f'sha256 = "{sha}"\nchannels = ["ops"]\n')
        if backend == "postgres":
            subprocess.run([binary, "migrate", "--config", cfg], check=True, capture_output=True)
        bases = []
        for _ in range(instances):
            port = free_port()
            procs.append(subprocess.Popen([binary, "serve", "--config", cfg, "--listen", f"127.0.0.1:{port}"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            bases.append(f"http://127.0.0.1:{port}")
        for b in bases:
            wait_http(f"{b}/healthz")
        batches = []
        for start in range(0, n, 100):
            msgs = [{"channel": "ops", "to": {"users": [f"u{i % MEMBERS:04}"]}, "content": {"text": f"bench {i}"}}
                    for i in range(start, min(n, start + 100))]
            batches.append((bases[(start // 100) % len(bases)], {"messages": msgs}))
        started = time.time()
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            for status, _ in pool.map(lambda b: post(f"{b[0]}/v1/messages:batch", b[1]), batches):
                assert status in (200, 202, 207), status
        accepted = time.time() - started
        while True:
            stats = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{emu_port}/__emulator/stats").read())
            if stats["delivered"] >= n:
                break
            if time.time() - started > 600:
                raise RuntimeError(f"only {stats['delivered']} of {n} delivered")
            time.sleep(0.02)
        took = time.time() - started
        assert stats["dropped"] == 0, stats
        return accepted, took, stats
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        if db_name:
            psql(admin, f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bin", default="target/release/yizhan")
    ap.add_argument("--setups", default="sqlite:1,postgres:1,postgres:2,postgres:3")
    args = ap.parse_args()
    admin = os.environ.get("YIZHAN_BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    work = tempfile.mkdtemp(prefix="yizhan-bench-")
    print(f"{args.messages} messages, {args.runs} runs per setup, binary {args.bin}")
    print("| store | instances | median delivered/s | median accept s | median total s | gettoken calls |")
    print("|---|---|---|---|---|---|")
    try:
        for setup in args.setups.split(","):
            backend, k = setup.split(":")
            runs = [one_run(args.bin, work, backend, int(k), args.messages, admin) for _ in range(args.runs)]
            for accepted, took, stats in runs:
                print(f"  run: {backend} x{k}: accepted in {accepted:.2f} s, delivered in {took:.2f} s "
                      f"({args.messages / took:.0f}/s), gettoken {stats['gettoken_calls']}, "
                      f"dedup {stats['deduplicated']}", flush=True)
            took = statistics.median(r[1] for r in runs)
            acc = statistics.median(r[0] for r in runs)
            print(f"| {backend} | {k} | {args.messages / took:.0f} | {acc:.2f} | {took:.2f} | "
                  f"{runs[0][2]['gettoken_calls']} |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
