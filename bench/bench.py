#!/usr/bin/env python3
"""twd side-by-side benchmark against twemproxy (nutcracker). Run it through bench/run.

Starts its own backends (2 redis-server, 2 memcached), nutcracker and twd (one process per
--threads value) with equivalent pools, and measures, in the same run:
  - redis: redis-benchmark GET and SET (random keys, -r 100000, 50 clients) at pipeline 1 and 16,
    and MGET of 10 keys across both shards; direct-redis as the reference;
  - memcached: get and set through bench/loadgen (when twd serves memcache pools);
  - reload: time from `pool set` on the admin socket to `OK`, idle and under a client load of
    20 connections, then the same request rate from 200 (failed requests, p99 and max latency
    in the second around each change; --reload-rounds repeats the loads);
  - memory: resident memory of twd and nutcracker at rest and with 10,000 idle clients.
Every measurement alternates the targets, is repeated for several rounds, and medians are
reported. Results: bench/results/latest.json and latest.md (also printed).
Everything it starts is stopped by pid when it ends, however it ends.
"""
import argparse
import csv
import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")

started = []  # (name, Popen or None, pidfile or None)
run_dir = None


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------- processes

def free_ports(n):
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def record_pid(pid):
    with open(os.path.join(run_dir, "pids"), "a") as f:
        f.write(f"{pid}\n")


def start(name, argv, pidfile=None, env=None):
    out = open(os.path.join(run_dir, name + ".log"), "ab")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         env=env, cwd=run_dir)
    record_pid(p.pid)
    started.append((name, p, pidfile))
    return p


def current_pid(name):
    """The live pid of a started process; twd's changes with every reload (read its pid file)."""
    for n, p, pidfile in started:
        if n == name:
            if pidfile and os.path.exists(pidfile):
                try:
                    return int(open(pidfile).read().strip())
                except ValueError:
                    pass
            return p.pid
    raise KeyError(name)


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def stop_all():
    pids = []
    for name, p, pidfile in started:
        if pidfile and os.path.exists(pidfile):
            try:
                pid = int(open(pidfile).read().strip())
                if pid != p.pid:
                    pids.append(pid)
            except ValueError:
                pass
        if p.poll() is None:
            pids.append(p.pid)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.time() + 10
    for pid in pids:
        while alive(pid) and time.time() < deadline:
            for _, p, _ in started:
                if p.pid == pid:
                    p.poll()
            time.sleep(0.05)
        if alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    for _, p, _ in started:
        try:
            p.wait(timeout=2)
        except subprocess.TimeoutExpired:
            pass
    started.clear()
    # Everything is stopped: bench/run's backstop trap must not kill these pids again.
    try:
        os.remove(os.path.join(run_dir, "pids"))
    except (OSError, TypeError):
        pass


def wait_port(port, timeout=30, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before listening on {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


def cpu_ns(pid):
    """CPU time used so far by every live thread of pid, in ns (schedstat: run time on a CPU)."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
    except OSError:
        return None
    return total


def rss_kb(pid, field="VmRSS:"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return None


# ----------------------------------------------------------------------------- configs

def pool_yaml(name, listen, redis, servers, extra=""):
    lines = [f"{name}:", f"  listen: 127.0.0.1:{listen}", "  hash: fnv1a_64", "  distribution: ketama",
             f"  redis: {'true' if redis else 'false'}", "  auto_eject_hosts: false",
             "  server_connections: 1", "  preconnect: true", "  servers:"]
    lines += [f"   - 127.0.0.1:{p}:1 {n}" for n, p in servers]
    return "\n".join(lines) + "\n" + extra


def memcache_probe(port):
    """True when something on port answers memcached set/get."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=2)
        s.settimeout(2)
        s.sendall(b"set bench:probe 0 0 2\r\nok\r\nget bench:probe\r\n")
        buf = b""
        while b"END\r\n" not in buf:
            d = s.recv(4096)
            if not d:
                break
            buf += d
        s.close()
        return buf.startswith(b"STORED\r\nVALUE bench:probe 0 2\r\nok\r\nEND\r\n")
    except OSError:
        return False


# ----------------------------------------------------------------------------- load tools

def redis_benchmark(port, test, pipeline, n, clients=50, keyspace=100000, pid=None):
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-c", str(clients), "-n", str(n),
            "-r", str(keyspace), "-P", str(pipeline), "--csv"]
    if test == "MGET":
        argv += ["MGET"] + ["key:__rand_int__"] * 10
    else:
        argv += ["-t", test.lower()]
    t0 = time.time()
    c0 = cpu_ns(pid) if pid else None
    out = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    c1 = cpu_ns(pid) if pid else None
    rows = list(csv.reader(io.StringIO(out.stdout)))
    data = [r for r in rows if r and r[0] != "test"]
    if not data:
        raise RuntimeError(f"redis-benchmark gave no result: {out.stdout} {out.stderr}")
    r = data[-1]
    return {"rps": float(r[1]), "p50_ms": float(r[4]), "p99_ms": float(r[6]), "max_ms": float(r[7]),
            "seconds": round(time.time() - t0, 2),
            "cpu_us": round((c1 - c0) / 1000 / n, 3) if c0 is not None and c1 is not None else None}


def loadgen(args, timeout=600, pid=None):
    c0 = cpu_ns(pid) if pid else None
    out = subprocess.run([LOADGEN, "run"] + [str(a) for a in args], capture_output=True, text=True,
                         timeout=timeout)
    c1 = cpu_ns(pid) if pid else None
    if out.returncode != 0:
        raise RuntimeError(f"loadgen failed: {out.stderr}")
    res = json.loads(out.stdout.strip().splitlines()[-1])
    res["cpu_us"] = round((c1 - c0) / 1000 / res["requests"], 3) if c0 is not None and c1 and res["requests"] else None
    return res


def admin(path, line, timeout=120):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(timeout)
    s.connect(path)
    t0 = time.time()
    s.sendall((line + "\n").encode())
    buf = b""
    while not buf.endswith(b"\n\n"):
        d = s.recv(4096)
        if not d:
            break
        buf += d
    t1 = time.time()
    s.close()
    return t0, t1, buf.decode().strip()


# ----------------------------------------------------------------------------- phases

def median(xs):
    return statistics.median(xs) if xs else None


def summarize(samples):
    """samples: list of dicts with rps/p50_ms/p99_ms -> medians (and the raw values)."""
    cpu = [s["cpu_us"] for s in samples if s.get("cpu_us") is not None]
    return {
        "rps": round(median([s["rps"] for s in samples]), 1),
        "p50_ms": round(median([s["p50_ms"] for s in samples]), 3),
        "p99_ms": round(median([s["p99_ms"] for s in samples]), 3),
        "cpu_us": round(median(cpu), 2) if cpu else None,
        "rounds": [{k: s.get(k) for k in ("rps", "p50_ms", "p99_ms", "cpu_us")} for s in samples],
    }


def rotate(targets, r):
    k = r % len(targets)
    order = targets[k:] + targets[:k]
    return order if r % 2 == 0 else list(reversed(order))


def target_pid(name):
    return current_pid({"direct": "redis1"}.get(name, name))


def phase_redis(opts, targets):
    cases = [("GET", 1), ("SET", 1), ("GET", 16), ("SET", 16), ("MGET", 1)]
    if opts.cases:
        cases = [c for c in cases if f"{c[0]} P{c[1]}" in opts.cases.split(",")]
    scale = opts.scale
    n_for = {("GET", 1): 150000, ("SET", 1): 150000, ("GET", 16): 800000, ("SET", 16): 800000,
             ("MGET", 1): 60000}
    # Fill the keyspace (through nutcracker: both shards) and warm every target, twd's JIT above all.
    log("redis: filling keys and warming up every target")
    for name, port in targets:
        redis_benchmark(port, "SET", 16, max(20000, int(600000 * scale)))
        redis_benchmark(port, "GET", 16, max(20000, int(400000 * scale)))
        redis_benchmark(port, "SET", 1, max(10000, int(100000 * scale)))
        redis_benchmark(port, "GET", 1, max(10000, int(100000 * scale)))
        redis_benchmark(port, "MGET", 1, max(5000, int(80000 * scale)))
    results = {}
    for r in range(opts.rounds):
        for test, pipe in cases:
            case = f"{test} P{pipe}"
            for name, port in rotate(targets, r):
                if test == "MGET" and name == "direct":
                    pass  # one redis: the reference for what MGET costs without sharding
                res = redis_benchmark(port, test, pipe, max(5000, int(n_for[(test, pipe)] * scale)),
                                      pid=target_pid(name))
                results.setdefault(case, {}).setdefault(name, []).append(res)
                log(f"round {r + 1}/{opts.rounds} {case:8s} {name:10s} {res['rps']:>10.0f} rps  "
                    f"p50 {res['p50_ms']:.3f}  p99 {res['p99_ms']:.3f} ms  cpu {res['cpu_us']} us/req")
    return {case: {name: summarize(s) for name, s in per.items()} for case, per in results.items()}


def phase_memcache(opts, targets):
    results = {}
    secs = max(1.0, 3.0 * opts.scale)
    log("memcached: warming up")
    for name, port in targets:
        for op in ("set", "get", "set", "get"):
            loadgen(["-p", port, "-P", "memcache", "-o", op, "-c", 50, "-r", 100000, "-d", 32, "-t", secs])
    for r in range(opts.rounds):
        for op in ("get", "set"):
            case = f"{op} P1"
            for name, port in rotate(targets, r):
                res = loadgen(["-p", port, "-P", "memcache", "-o", op, "-c", 50, "-r", 100000, "-d", 32,
                               "-t", secs], pid=current_pid({"direct": "memcached1"}.get(name, name)))
                results.setdefault(case, {}).setdefault(name, []).append(res)
                log(f"round {r + 1}/{opts.rounds} mc {case:6s} {name:10s} {res['rps']:>10.0f} rps  "
                    f"p50 {res['p50_ms']:.3f}  p99 {res['p99_ms']:.3f} ms  errors {res['errors']}")
    return {case: {name: summarize(s) for name, s in per.items()} for case, per in results.items()}


def phase_reload(opts, targets):
    """targets: (name, port, admin socket) of each twd measured. Idle apply times for each, then
    opts.reload_rounds rounds of the two loads, the targets alternated within each round."""
    out = {}
    timeout = {}
    for name, _, admin_sock in targets:
        out[name], timeout[name] = reload_idle(opts, name, admin_sock)
    for r in range(opts.reload_rounds):
        for name, port, admin_sock in rotate(targets, r):
            # The same request rate from 20 connections, then from 200 (each stalls only while it
            # moves).
            for key, conns, rate, tag in (("under_load", 20, 250, ""), ("under_load_many", 200, 25, "-200")):
                if opts.reload_rounds > 1:
                    tag += f"-r{r + 1}"
                ul, timeout[name] = reload_under_load(opts, name, port, admin_sock, conns, rate, tag, timeout[name])
                out[name][key] = merge_loads(out[name].get(key), ul)
    return out


def reload_idle(opts, twd_name, admin_sock):
    """Apply time, idle: median of opts.reloads pool set."""
    out = {"process": twd_name}
    times = []
    timeout = 500
    unanswered = 0
    for i in range(opts.reloads):
        timeout = 600 if timeout == 500 else 500
        t0, t1, reply = admin(admin_sock, f"pool set bench_redis timeout={timeout}")
        if not reply.startswith("OK"):
            # Counted, not fatal: the change may be live all the same (the reply was lost).
            unanswered += 1
            log(f"reload idle {i + 1}/{opts.reloads}: no OK after {(t1 - t0) * 1000:.0f} ms: {reply!r}")
            time.sleep(2)
            continue
        times.append((t1 - t0) * 1000)
        log(f"reload idle {i + 1}/{opts.reloads}: {times[-1]:.0f} ms  {reply}")
        time.sleep(0.3)
    out["idle_apply_ms"] = {"median": round(median(times)) if times else None,
                            "min": round(min(times)) if times else None,
                            "max": round(max(times)) if times else None,
                            "all": [round(t) for t in times], "unanswered": unanswered}
    return out, timeout


def merge_loads(acc, ul):
    """One load's figures added to those of the earlier rounds of the same load."""
    if acc is None:
        acc = dict(ul, rounds=0, changes=[])
    else:
        for k in ("requests", "failed", "reconnects", "unanswered"):
            acc[k] += ul[k]
        for k in ("max_ms_in_windows", "p99_ms_in_windows_worst", "p99_ms_outside_windows",
                  "max_ms_outside_windows"):
            vals = [v for v in (acc[k], ul[k]) if v is not None]
            acc[k] = max(vals) if vals else None
    acc["rounds"] += 1
    acc["changes"] = acc["changes"] + ul["changes"]
    ok = [c["apply_ms"] for c in acc["changes"] if c["ok"]]
    acc["apply_ms_median"] = round(median(ok or [0]))
    # The worst latency of each change, as a distribution: with many changes one bad change
    # (a machine that gives the new JVM no CPU for a moment) says less than how often it happens.
    worst = sorted(c["max_ms"] or 0 for c in acc["changes"])
    acc["max_ms_per_change"] = {"median": round(median(worst), 1),
                                "p75": worst[int(0.75 * len(worst))],
                                "max": worst[-1],
                                "over_100_ms": sum(1 for w in worst if w > 100)}
    return acc


def reload_under_load(opts, twd_name, twd_port, admin_sock, conns, rate, tag, timeout):
    """conns connections x rate GET/s each through twd while it applies opts.load_reloads changes."""
    logfile = os.path.join(run_dir, f"reload-load{tag}-{twd_name}.log")
    changes = opts.load_reloads
    gap = 2.5
    duration = 2 + changes * gap + 2
    lg = subprocess.Popen([LOADGEN, "run", "-p", str(twd_port), "-o", "get", "-c", str(conns),
                           "-R", str(rate), "-t", str(duration), "-l", logfile],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    record_pid(lg.pid)
    time.sleep(2)
    marks = []
    for i in range(changes):
        timeout = 600 if timeout == 500 else 500
        try:
            t0, t1, reply = admin(admin_sock, f"pool set bench_redis timeout={timeout}")
        except OSError as e:
            t0 = t1 = time.time()
            reply = f"admin socket: {e}"
        ok = reply.startswith("OK")
        marks.append((t0, t1, ok, reply))
        log(f"reload under load ({conns} connections) {i + 1}/{changes}: {(t1 - t0) * 1000:.0f} ms  {reply}")
        time.sleep(max(0.0, gap - (time.time() - t0)))
    stdout, stderr = lg.communicate(timeout=duration + 60)
    summary = json.loads(stdout.strip().splitlines()[-1])
    recs = []
    with open(logfile) as f:
        for line in f:
            f = line.split()
            recs.append((int(f[0]) / 1e6, int(f[1]) / 1000.0, int(f[2]), int(f[3]) if len(f) > 3 else 0))
    per_change = []
    for t0, t1, ok, reply in marks:
        lo, hi = t0 - 0.5, t1 + 1.0
        w = [r for r in recs if lo <= r[0] <= hi]
        lat = sorted(r[1] for r in w)
        by_conn = {}
        for r in w:
            if t1 <= r[0] <= t1 + 1.0:
                by_conn[r[3]] = max(by_conn.get(r[3], 0), r[1])
        before = [r[1] for r in w if r[0] < t1]
        after = [r[1] for r in w if r[0] >= t1]
        slow = sorted(w, key=lambda r: -r[1])[:5]
        per_change.append({
            "apply_ms": round((t1 - t0) * 1000), "ok": ok, "requests": len(w),
            "max_ms_before_ok": round(max(before), 2) if before else None,
            "max_ms_after_ok": round(max(after), 2) if after else None,
            "slowest": [[round((r[0] - t1) * 1000), round(r[1], 1), r[3]] for r in slow],
            "max_ms_after_ok_per_connection": sorted(round(v, 1) for v in by_conn.values()),
            "failed": sum(1 for r in w if r[2] != 0),
            "p99_ms": round(lat[min(len(lat) - 1, int(0.99 * len(lat)))], 2) if lat else None,
            "max_ms": round(lat[-1], 2) if lat else None,
        })
    outside = sorted(r[1] for r in recs
                     if not any(t0 - 0.5 <= r[0] <= t1 + 1.0 for t0, t1, _, _ in marks))
    return {
        "load": f"{conns} connections x {rate} GET/s each (paced), {duration:.0f} s",
        "requests": summary["requests"], "failed": summary["errors"], "reconnects": summary["reconnects"],
        "apply_ms_median": round(median([c["apply_ms"] for c in per_change if c["ok"]] or [0])),
        "unanswered": sum(1 for c in per_change if not c["ok"]),
        "changes": per_change,
        "window": "from 0.5 s before the admin command to 1 s after its OK",
        "max_ms_in_windows": max((c["max_ms"] or 0) for c in per_change),
        "p99_ms_in_windows_worst": max((c["p99_ms"] or 0) for c in per_change),
        "p99_ms_outside_windows": round(outside[int(0.99 * len(outside))], 2) if outside else None,
        "max_ms_outside_windows": round(outside[-1], 2) if outside else None,
    }, timeout


def idle_connections(port, n, proto):
    p = subprocess.Popen([LOADGEN, "idle", "-p", str(port), "-P", proto, "-c", str(n), "-t", "300"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    record_pid(p.pid)
    line = p.stdout.readline().strip()
    if not line.startswith("ready"):
        p.kill()
        raise RuntimeError(f"idle client: {line} {p.stderr.read()}")
    return p, int(line.split()[1])


def phase_memory(opts, procs):
    """procs: list of (label, started-process name, redis port)."""
    out = {}
    for label, name, port in procs:
        pid = current_pid(name)
        rest = rss_kb(pid)
        t0 = time.time()
        p, opened = idle_connections(port, opts.idle, "redis")
        t_open = time.time() - t0
        time.sleep(2)  # let the process settle (GC, lazily grown arenas)
        loaded = rss_kb(current_pid(name))
        heap = None
        if name.startswith("twd"):
            heap = jvm_heap(current_pid(name))
        p.stdin.close()
        p.wait(timeout=30)
        time.sleep(2)
        after = rss_kb(current_pid(name))
        out[label] = {"rest_mb": round(rest / 1024, 1), "idle_clients": opened,
                      "with_idle_mb": round(loaded / 1024, 1),
                      "per_client_kb": round((loaded - rest) / max(1, opened), 2),
                      "after_close_mb": round(after / 1024, 1), "open_seconds": round(t_open, 1)}
        if heap:
            out[label]["jvm_heap"] = heap
        log(f"memory {label}: rest {rest / 1024:.1f} MB, {opened} idle clients {loaded / 1024:.1f} MB, "
            f"after close {after / 1024:.1f} MB")
    return out


def jvm_heap(pid):
    try:
        out = subprocess.run(["jcmd", str(pid), "GC.heap_info"], capture_output=True, text=True, timeout=30)
        for line in out.stdout.splitlines():
            line = line.strip()
            if line.startswith("garbage-first heap") or line.startswith("def new generation") or "heap" in line and "total" in line:
                return line
    except (OSError, subprocess.TimeoutExpired):
        pass
    return None


def jvm_flags(pid):
    try:
        out = subprocess.run(["jcmd", str(pid), "VM.flags"], capture_output=True, text=True, timeout=30)
        flags = out.stdout.split()
        keep = [f for f in flags if f.startswith(("-XX:MaxHeapSize", "-XX:InitialHeapSize", "-XX:+Use",
                                                  "-XX:SharedArchiveFile", "-XX:MaxDirectMemorySize",
                                                  "-XX:Tier4"))]
        return " ".join(keep)
    except (OSError, subprocess.TimeoutExpired):
        return None


# ----------------------------------------------------------------------------- report

def ratio(a, b):
    return round(a / b, 2) if a and b else None


def paired(per, a, b):
    """Median over rounds of a's rps / b's rps in the same round: the two ran seconds apart,
    so a slow drift in the machine's load cancels out."""
    if a not in per or b not in per:
        return None
    ra, rb = per[a]["rounds"], per[b]["rounds"]
    xs = [x["rps"] / y["rps"] for x, y in zip(ra, rb) if x["rps"] and y["rps"]]
    return round(median(xs), 2) if xs else None


def machine():
    cpu = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    def ver(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return None
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()
    return {"cores": os.cpu_count(), "cpu": cpu, "kernel": platform.release(),
            "mem_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "loadavg_at_start": os.getloadavg(), "java": java[0] if java else None,
            "redis": ver(["redis-server", "--version"]), "memcached": ver(["memcached", "-V"]),
            "nutcracker": "nutcracker 0.5.0"}


def evaluate(res, twd_names):
    """Target checks from issue 7, per twd process."""
    checks = []
    redis = res.get("redis", {})
    for t in twd_names:
        for case, need in (("GET P1", 1.0), ("SET P1", 1.0), ("GET P16", 1.5), ("SET P16", 1.5), ("MGET P1", 1.5)):
            c = redis.get(case, {})
            if t in c and "nutcracker" in c:
                got = paired(c, t, "nutcracker")
                checks.append({"target": f"{case} throughput {t}/nutcracker >= {need}x", "value": got,
                               "met": got is not None and got >= need})
        for case in ("GET P1", "SET P1"):
            c = redis.get(case, {})
            if t in c and "nutcracker" in c:
                a, b = c[t]["p99_ms"], c["nutcracker"]["p99_ms"]
                checks.append({"target": f"{case} p99 {t} <= nutcracker ({b} ms)", "value": a, "met": a <= b})
    rl = res.get("reload")
    if rl:
        checks.append({"target": "reload: median apply time (idle) <= 1000 ms",
                       "value": rl["idle_apply_ms"]["median"],
                       "met": rl["idle_apply_ms"]["median"] is not None and rl["idle_apply_ms"]["median"] <= 1000})
        lost = rl["idle_apply_ms"]["unanswered"] + rl["under_load"]["unanswered"] + \
            rl.get("under_load_many", {}).get("unanswered", 0)
        checks.append({"target": "reload: every change answered OK", "value": f"{lost} unanswered",
                       "met": lost == 0})
        ul = rl["under_load"]
        checks.append({"target": "reload: median apply time under load <= 1000 ms",
                       "value": ul["apply_ms_median"], "met": ul["apply_ms_median"] <= 1000})
        checks.append({"target": "reload under load: 0 failed requests", "value": ul["failed"],
                       "met": ul["failed"] == 0})
        checks.append({"target": "reload under load: max latency around a change <= 100 ms",
                       "value": ul["max_ms_in_windows"], "met": ul["max_ms_in_windows"] <= 100})
        many = rl.get("under_load_many")
        if many:
            checks.append({"target": "reload under load, 200 connections: 0 failed, max latency <= 100 ms",
                           "value": f"{many['failed']} failed, max {many['max_ms_in_windows']} ms",
                           "met": many["failed"] == 0 and many["max_ms_in_windows"] <= 100})
    mem = res.get("memory")
    if mem:
        for label, m in mem.items():
            if label.startswith("twd"):
                checks.append({"target": f"memory: {label} with {m['idle_clients']} idle clients <= 200 MB RSS",
                               "value": m["with_idle_mb"], "met": m["with_idle_mb"] <= 200 and m["idle_clients"] >= 10000})
    return checks


def fmt(x, nd=0):
    if x is None:
        return "-"
    return f"{x:,.{nd}f}"


def reload_lines(L, ul):
    """The markdown lines for one client load run through a series of changes."""
    L.append(f"- under load ({ul['load']}): {len(ul['changes'])} changes, apply median {ul['apply_ms_median']} ms; "
             f"{ul['requests']:,} requests, **{ul['failed']} failed**, {ul['reconnects']} reconnects")
    L.append(f"  - around each change ({ul['window']}): worst p99 {ul['p99_ms_in_windows_worst']} ms, "
             f"**max {ul['max_ms_in_windows']} ms**; elsewhere p99 {ul['p99_ms_outside_windows']} ms, "
             f"max {ul['max_ms_outside_windows']} ms")
    mpc = ul["max_ms_per_change"]
    L.append(f"  - worst latency of each change, over {len(ul['changes'])} changes ({ul['rounds']} rounds): "
             f"median {mpc['median']} ms, p75 {mpc['p75']} ms, max {mpc['max']} ms; "
             f"{mpc['over_100_ms']} over 100 ms")
    L.append("  - per change (apply ms / requests / failed / p99 ms / max ms): " + "; ".join(
        f"{c['apply_ms']}/{c['requests']}/{c['failed']}/{c['p99_ms']}/{c['max_ms']}" for c in ul["changes"]))


def markdown(res):
    L = []
    m = res["machine"]
    L.append(f"twd benchmark, {res['started']} ({res['mode']}, {res['rounds']} rounds, medians)  ")
    L.append(f"machine: {m['cores']} cores, {m['cpu']}, {m['mem_gb']} GB, Linux {m['kernel']}, "
             f"load average at start {m['loadavg_at_start'][0]:.2f}  ")
    L.append(f"command: `{res['command']}`  ")
    L.append(f"twd JVM: {res.get('twd_jvm_flags') or '-'}")
    L.append("")
    twds = res["twd_processes"]
    for section, title in (("redis", "Redis (redis-benchmark, 50 clients, -r 100000; MGET = 10 random keys)"),
                           ("memcache", "Memcached (bench/loadgen, 50 connections, 32-byte values)")):
        data = res.get(section)
        if data is None:
            if section == "memcache":
                L.append(f"### {title}\n\n{res.get('memcache_note', 'not measured')}\n")
            continue
        L.append(f"### {title}\n")
        L.append("rps, p50 and p99: medians over the rounds; ratios: median of the per-round ratios "
                 "(the targets ran seconds apart in each round); CPU: the process's CPU time "
                 "(all threads) per request, the figure least disturbed by other load on the machine.\n")
        cols = ["direct", "nutcracker"] + twds
        head = "| case | " + " | ".join(f"{c} rps" for c in cols) + " | " + \
               " | ".join(f"{t}/nc" for t in twds) + " | " + " | ".join(f"{t}/direct" for t in twds) + \
               " | p50 ms (" + "/".join(c if c != "nutcracker" else "nc" for c in cols) + ") | p99 ms (same order)" + \
               " | CPU us/req (same order) |"
        L.append(head)
        L.append("|" + "---|" * (head.count("|") - 1))
        for case, per in data.items():
            rps = [fmt(per.get(c, {}).get("rps")) for c in cols]
            r_nc = [fmt(paired(per, t, "nutcracker"), 2) for t in twds]
            r_d = [fmt(paired(per, t, "direct"), 2) for t in twds]
            p50 = " / ".join(fmt(per.get(c, {}).get("p50_ms"), 3) for c in cols)
            p99 = " / ".join(fmt(per.get(c, {}).get("p99_ms"), 3) for c in cols)
            cpu = " / ".join(fmt(per.get(c, {}).get("cpu_us"), 2) for c in cols)
            L.append(f"| {case} | " + " | ".join(rps) + " | " + " | ".join(r_nc) + " | " + " | ".join(r_d) +
                     f" | {p50} | {p99} | {cpu} |")
        L.append("")
    for rl in res.get("reloads", {}).values():
        L.append(f"### Reload ({rl['process']}: `pool set bench_redis timeout=...` on the admin socket)\n")
        L.append(f"- apply time, idle: median {rl['idle_apply_ms']['median']} ms "
                 f"(min {rl['idle_apply_ms']['min']}, max {rl['idle_apply_ms']['max']}; {len(rl['idle_apply_ms']['all'])} changes"
                 f"{', ' + str(rl['idle_apply_ms']['unanswered']) + ' without an OK' if rl['idle_apply_ms']['unanswered'] else ''})")
        for ul in (rl["under_load"], rl.get("under_load_many")):
            if ul:
                reload_lines(L, ul)
        L.append("")
    mem = res.get("memory")
    if mem:
        L.append("### Memory (resident, from /proc/PID/status VmRSS)\n")
        L.append("| process | at rest MB | idle clients | with them MB | per client KB | after they close MB |")
        L.append("|---|---|---|---|---|---|")
        for label, v in mem.items():
            L.append(f"| {label} | {v['rest_mb']} | {v['idle_clients']:,} | {v['with_idle_mb']} | "
                     f"{v['per_client_kb']} | {v['after_close_mb']} |")
        for label, v in mem.items():
            if v.get("jvm_heap"):
                L.append(f"\n{label} heap with the idle clients: `{v['jvm_heap']}`")
        L.append("")
    mal = res.get("memory_after_load")
    if mal:
        L.append("Resident memory after the redis load: " + "; ".join(
            f"{k} {v['rss_mb']} MB (peak {v['peak_rss_mb']} MB)" for k, v in mal.items()) + "\n")
    L.append("### Targets (issue 7)\n")
    cores = res.get("machine", {}).get("cores") or os.cpu_count()
    L.append(f"twd's default on this machine is `--threads {max(1, cores // 2)}` (half the {cores} cores, at least 1): "
             f"twd-t{max(1, cores // 2)} is twd as an operator would run it.\n")
    L.append("| target | value | met |")
    L.append("|---|---|---|")
    for c in res["targets"]:
        L.append(f"| {c['target']} | {c['value']} | {'yes' if c['met'] else '**no**'} |")
    return "\n".join(L) + "\n"


# ----------------------------------------------------------------------------- main

def main():
    global run_dir, LOADGEN
    ap = argparse.ArgumentParser(prog="bench/run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 round, short runs (~1-2 min)")
    ap.add_argument("--rounds", type=int, help="alternated rounds per case (default 5, quick 1)")
    ap.add_argument("--threads", default="1,2", help="twd --threads values, one twd process each (default 1,2)")
    ap.add_argument("--only", default="redis,memcache,reload,memory",
                    help="phases to run, comma-separated (default: all)")
    ap.add_argument("--cases", help='redis cases to run, e.g. "GET P1,MGET P1" (default: all five)')
    ap.add_argument("--idle", type=int, default=10000, help="idle client connections for memory (default 10000)")
    ap.add_argument("--out", default=os.path.join(BENCH, "results"), help="results directory")
    ap.add_argument("--twd", default=os.path.join(ROOT, "bin", "twd"), help="twd launcher (default bin/twd)")
    ap.add_argument("--also", action="append", default=[], metavar="NAME=LAUNCHER",
                    help="also run another twd build (e.g. base=/tmp/old/bin/twd) as target NAME-tN, "
                         "for before/after comparisons in the same run")
    ap.add_argument("--reload-rounds", type=int, default=1,
                    help="rounds of the two reload loads (5 changes each), the twd builds alternated "
                         "(default 1): the worst latency per change varies from change to change, "
                         "and many changes show how often it goes over a limit")
    ap.add_argument("--loadgen", required=True, help=argparse.SUPPRESS)
    opts = ap.parse_args()
    LOADGEN = opts.loadgen
    opts.rounds = opts.rounds or (1 if opts.quick else 5)
    opts.scale = 0.3 if opts.quick else 1.0
    opts.reloads = 3 if opts.quick else 10
    opts.load_reloads = 2 if opts.quick else 5
    phases = set(opts.only.split(","))
    threads = [int(t) for t in opts.threads.split(",") if t]

    run_dir = tempfile.mkdtemp(prefix="twd-bench-")
    if os.environ.get("TWD_BENCH_RUN_DIR_FILE"):
        with open(os.environ["TWD_BENCH_RUN_DIR_FILE"], "w") as f:
            f.write(run_dir)
    log(f"logs and configs in {run_dir}")
    res = {"started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "mode": "quick" if opts.quick else "full",
           "rounds": opts.rounds, "command": os.environ.get("TWD_BENCH_COMMAND", "bench/run"),
           "machine": machine()}
    builds = [("twd", opts.twd)] + [tuple(a.split("=", 1)) for a in opts.also]
    twds = [(f"{b}-t{t}", launcher, t) for b, launcher in builds for t in threads]
    res["twd_processes"] = [name for name, _, _ in twds]

    n_ports = 4 + 3 + 3 * len(twds)
    ports = free_ports(n_ports)
    r1, r2, m1, m2, nc_redis, nc_mc, nc_stats = ports[:7]
    twd_ports = {name: ports[7 + 3 * i: 10 + 3 * i] for i, (name, _, _) in enumerate(twds)}

    try:
        # Backends.
        for name, port in (("redis1", r1), ("redis2", r2)):
            start(name, ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                         "--appendonly", "no", "--maxclients", "20000", "--protected-mode", "no"])
        mc_user = ["-u", "root"] if os.geteuid() == 0 else []
        for name, port in (("memcached1", m1), ("memcached2", m2)):
            start(name, ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-t", "2", "-m", "256",
                         "-c", "4096"] + mc_user)
        for port in (r1, r2, m1, m2):
            wait_port(port)
        servers_r = [("r1", r1), ("r2", r2)]
        servers_m = [("m1", m1), ("m2", m2)]

        # nutcracker.
        nc_conf = os.path.join(run_dir, "nutcracker.yml")
        with open(nc_conf, "w") as f:
            f.write(pool_yaml("bench_redis", nc_redis, True, servers_r) + pool_yaml("bench_mc", nc_mc, False, servers_m))
        ncp = start("nutcracker", ["nutcracker", "-c", nc_conf, "-s", str(nc_stats), "-a", "127.0.0.1",
                                   "-v", "3", "-o", os.path.join(run_dir, "nutcracker.out")])
        wait_port(nc_redis, proc=ncp)

        # twd, one process per --threads value, the same pools.
        twd_admin = {}
        for name, launcher, t in twds:
            tr, tm, ts = twd_ports[name]
            conf = os.path.join(run_dir, f"{name}.yml")
            with open(conf, "w") as f:
                f.write(pool_yaml("bench_redis", tr, True, servers_r) + pool_yaml("bench_mc", tm, False, servers_m))
            sock = os.path.join(run_dir, f"{name}.sock")
            pidfile = os.path.join(run_dir, f"{name}.pid")
            p = start(name, [launcher, "-c", conf, "-s", str(ts), "-a", "127.0.0.1", "--threads", str(t),
                             "--admin-socket", sock, "-p", pidfile, "-v", "4"], pidfile=pidfile)
            wait_port(tr, proc=p)
            twd_admin[name] = sock
        res["twd_jvm_flags"] = jvm_flags(current_pid(twds[0][0]))

        # Memory first, on fresh processes.
        if "memory" in phases:
            procs = [("nutcracker", "nutcracker", nc_redis)] + [(n, n, twd_ports[n][0]) for n, _, _ in twds]
            res["memory"] = phase_memory(opts, procs)

        redis_targets = [("direct", r1), ("nutcracker", nc_redis)] + [(n, twd_ports[n][0]) for n, _, _ in twds]
        if "redis" in phases:
            res["redis"] = phase_redis(opts, redis_targets)
            # Resident memory after the load, and its peak (VmHWM) over the process's life.
            after = {}
            for name in ["nutcracker"] + [n for n, _, _ in twds]:
                pid = current_pid(name)
                after[name] = {"rss_mb": round(rss_kb(pid) / 1024, 1),
                               "peak_rss_mb": round(rss_kb(pid, "VmHWM:") / 1024, 1)}
                if name.startswith(tuple(n for n, _, _ in twds)):
                    after[name]["jvm_heap"] = jvm_heap(pid)
            res["memory_after_load"] = after
            log(f"memory after the redis load: {after}")

        if "memcache" in phases:
            mc_targets = [("direct", m1), ("nutcracker", nc_mc)]
            twd_mc = [n for n, _, _ in twds if memcache_probe(twd_ports[n][1])]
            if twd_mc:
                mc_targets += [(n, twd_ports[n][1]) for n in twd_mc]
            else:
                res["memcache_note"] = ("twd: not measured: this build of twd does not serve memcache pools "
                                        "(a memcached set/get through its memcache listener gets no valid reply); "
                                        "direct and nutcracker figures below")
                log(res["memcache_note"])
            res["memcache"] = phase_memcache(opts, mc_targets)

        if "reload" in phases:
            res["reloads"] = phase_reload(opts, [(name, twd_ports[name][0], twd_admin[name])
                                                 for name, _, t in twds if t == max(threads)])
            res["reload"] = res["reloads"][twds[[t for _, _, t in twds].index(max(threads))][0]]

        res["targets"] = evaluate(res, res["twd_processes"])
        res["finished"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
        os.makedirs(opts.out, exist_ok=True)
        with open(os.path.join(opts.out, "latest.json"), "w") as f:
            json.dump(res, f, indent=1)
        md = markdown(res)
        with open(os.path.join(opts.out, "latest.md"), "w") as f:
            f.write(md)
        print()
        print(md)
        log(f"results: {os.path.join(opts.out, 'latest.json')} and latest.md")
    finally:
        stop_all()


if __name__ == "__main__":
    def on_term(signum, frame):
        # Once: a second signal (Ctrl-C reaches both bench/run and this process) must not
        # interrupt the stopping.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    try:
        main()
    except KeyboardInterrupt:
        stop_all()
        sys.exit(130)
