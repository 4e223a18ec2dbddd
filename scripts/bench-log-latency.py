#!/usr/bin/env python3
"""Log latency: from a job writing a line to `rgrid logs --follow` printing it, on loopback.

Starts its own rgrid-server (SQLite) and rgrid-runner (process executor) on 127.0.0.1, runs a
job that prints LINES lines, each carrying the wall-clock time it was written, and reads the
CLI's stdout (`--json`, whose chunks carry the time the server stored them); prints p50, p90,
p99 and max of the whole path (printed - written) and of its two legs: the runner shipping
the line to the server (stored - written) and the stream to the CLI (printed - stored).
Same machine, same clock.

Usage: python3 scripts/bench-log-latency.py [LINES] [INTERVAL_MS]
  binaries from $CARGO_TARGET_DIR/{release,debug} (release preferred), or RGRID_BIN_DIR.
"""
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

KEY = "rg_bench-api-key"
BOOTSTRAP = "rgb_bench-bootstrap"


def bin_dir():
    if os.environ.get("RGRID_BIN_DIR"):
        return os.environ["RGRID_BIN_DIR"]
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(root, "target"))
    for profile in ("release", "debug"):
        path = os.path.join(target, profile)
        if all(os.path.exists(os.path.join(path, b)) for b in ("rgrid", "rgrid-server", "rgrid-runner")):
            return path
    sys.exit("bench-log-latency: build first: cargo build --release -p rgrid -p rgrid-server -p rgrid-runner")


def wait_for(path, proc, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and open(path).read().strip():
            return open(path).read().strip()
        if proc.poll() is not None:
            sys.exit(f"bench-log-latency: {what} exited with {proc.returncode}")
        time.sleep(0.05)
    sys.exit(f"bench-log-latency: {what} did not start in {timeout} s")


def percentile(sorted_values, p):
    index = min(len(sorted_values) - 1, int(round(p / 100 * (len(sorted_values) - 1))))
    return sorted_values[index]


def main():
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    interval_ms = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    bins = bin_dir()
    work = tempfile.mkdtemp(prefix="rgrid-latency-")
    procs = []
    try:
        env = dict(os.environ, RGRID_SERVER_API_KEY=KEY, RGRID_BOOTSTRAP_TOKEN=BOOTSTRAP,
                   RUST_LOG="warn")
        url_file = os.path.join(work, "server.url")
        server = subprocess.Popen(
            [os.path.join(bins, "rgrid-server"), "serve", "--listen", "127.0.0.1:0",
             "--data-dir", os.path.join(work, "server"), "--url-file", url_file],
            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "server.log"), "w"))
        procs.append(server)
        url = wait_for(url_file, server, "rgrid-server")
        runner = subprocess.Popen(
            [os.path.join(bins, "rgrid-runner"), "--server", url, "--bootstrap-token", BOOTSTRAP,
             "--name", "bench", "--executor", "process", "--slots", "1",
             "--work-root", os.path.join(work, "work"), "--cache-root", os.path.join(work, "cache")],
            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "runner.log"), "w"))
        procs.append(runner)

        script = os.path.join(work, "ticks.py")
        with open(script, "w") as f:
            f.write(
                "import sys, time\n"
                "time.sleep(1)\n"
                f"for i in range({lines}):\n"
                "    print(f'tick {i} {time.time_ns()}', flush=True)\n"
                f"    time.sleep({interval_ms / 1000})\n")
        cli_env = dict(os.environ, RGRID_SERVER=url, RGRID_API_KEY=KEY, NO_COLOR="1")
        rgrid = os.path.join(bins, "rgrid")
        job = subprocess.run([rgrid, "run", "--detach", script], env=cli_env, cwd=work,
                             check=True, capture_output=True, text=True).stdout.strip()
        follow = subprocess.Popen([rgrid, "logs", job, "--follow", "--json"], env=cli_env,
                                  cwd=work, stdout=subprocess.PIPE, text=True, bufsize=1)
        procs.append(follow)
        latencies, shipping, streaming = [], [], []
        for record in follow.stdout:
            now = time.time_ns()
            event = json.loads(record)
            if event.get("type") != "log":
                continue
            stored = datetime.datetime.fromisoformat(event["at"].replace("Z", "+00:00"))
            stored_ns = int(stored.timestamp() * 1e9)
            for line in event["text"].splitlines():
                parts = line.split()
                if len(parts) == 3 and parts[0] == "tick":
                    written = int(parts[2])
                    latencies.append((now - written) / 1e6)
                    shipping.append((stored_ns - written) / 1e6)
                    streaming.append((now - stored_ns) / 1e6)
        follow.wait()
        if len(latencies) != lines:
            sys.exit(f"bench-log-latency: got {len(latencies)} of {lines} lines")
        print(f"log latency over {lines} lines written {interval_ms} ms apart (ms):")
        print(f"  {'leg':<28} {'p50':>8} {'p90':>8} {'p99':>8} {'max':>8}")
        for name, values in (("job write -> CLI print", latencies),
                             ("job write -> server stored", shipping),
                             ("server stored -> CLI print", streaming)):
            values.sort()
            row = [percentile(values, p) for p in (50, 90, 99)] + [values[-1]]
            print(f"  {name:<28} " + " ".join(f"{v:8.1f}" for v in row))
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
