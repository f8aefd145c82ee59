#!/usr/bin/env python3
"""Times the chapter's workload in shaped, numpy and PyTorch side by side on this machine.

784 -> 512 relu -> 10 softmax, RMSprop (Keras defaults), batch 128, 60000 samples per
epoch, synthetic data of MNIST's shape. Each framework runs in its own process with 1 and
2 threads; medians of 3 epochs after a warm-up. numpy and PyTorch are optional: a missing
one is reported and skipped. Prints shaped's time as a ratio to each peer's, the CPU, and
the BLAS kernel numpy runs (threadpoolctl, when installed).

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the peers' environment only (some
machines here set them, which makes a current numpy run older, slower kernels); tests and
CI never change them.

    python3 scripts/compare_peers.py
"""
import os
import re
import subprocess
import sys

WORKER = r'''
import os, sys, time
threads = int(sys.argv[2])
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(threads)
import numpy as np
rng = np.random.default_rng(0)
n, batch = 60000, 128
x = rng.random((n, 784), dtype=np.float32)
x[x >= 0.19] = 0
y = rng.integers(0, 10, n)

def glorot(i, o):
    l = np.sqrt(6 / (i + o))
    return rng.uniform(-l, l, (i, o)).astype(np.float32)

def epoch_numpy(params, state):
    lr, rho, eps = 1e-3, 0.9, 1e-7
    order = rng.permutation(n)
    for s in range(0, n, batch):
        idx = order[s:s + batch]
        xb, yb = x[idx], y[idx]
        w1, b1, w2, b2 = params
        h = np.maximum(xb @ w1 + b1, 0)
        z = h @ w2 + b2
        p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
        g = p; g[np.arange(len(yb)), yb] -= 1; g /= len(yb)
        dw2 = h.T @ g; db2 = g.sum(0)
        dh = (g @ w2.T) * (h > 0)
        dw1 = xb.T @ dh; db1 = dh.sum(0)
        for w, gr, v in zip(params, (dw1, db1, dw2, db2), state):
            v *= rho; v += (1 - rho) * gr * gr
            w -= lr * gr / np.sqrt(v + eps)

def run_numpy():
    params = [glorot(784, 512), np.zeros(512, np.float32), glorot(512, 10), np.zeros(10, np.float32)]
    state = [np.zeros_like(p) for p in params]
    return lambda: epoch_numpy(params, state)

def run_torch():
    import torch
    torch.set_num_threads(threads)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10))
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    def epoch():
        order = torch.randperm(n)
        for s in range(0, n, batch):
            idx = order[s:s + batch]
            opt.zero_grad()
            loss_fn(model(xt[idx]), yt[idx]).backward()
            opt.step()
    return epoch

if sys.argv[1] == "numpy":
    try:
        from threadpoolctl import threadpool_info
        for pool in threadpool_info():
            print("kernel:", pool.get("internal_api"), pool.get("architecture"), pool.get("version"), file=sys.stderr)
    except ImportError:
        print("kernel: unknown (pip install threadpoolctl to print it)", file=sys.stderr)
epoch = {"numpy": run_numpy, "torch": run_torch}[sys.argv[1]]()
epoch()
times = []
for _ in range(3):
    t = time.perf_counter(); epoch(); times.append(time.perf_counter() - t)
print(sorted(times)[1])
'''


def peer(name, threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    r = subprocess.run([sys.executable, "-c", WORKER, name, str(threads)],
                       capture_output=True, text=True, env=env)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["failed"])[-1]
        return None, last
    for line in r.stderr.splitlines():
        if line.startswith("kernel:"):
            print(f"  {name} {line}")
    return float(r.stdout.strip()), None


def cpu():
    try:
        with open("/proc/cpuinfo") as f:
            return next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        return "unknown"


def main():
    os.chdir(os.path.join(os.path.dirname(__file__), ".."))
    out = subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "speed"],
                         capture_output=True, text=True, check=True).stdout
    shaped = {1: float(re.search(r"epoch_s_1thread: ([\d.]+)", out).group(1)),
              2: float(re.search(r"epoch_s_2threads: ([\d.]+)", out).group(1))}
    print(f"cpu: {cpu()}, {os.cpu_count()} cores; shaped's f32 kernel: "
          + (re.search(r"kernel: (\S+)", out).group(1) if "kernel:" in out else "see SHAPED_KERNEL"))
    print(f"shaped: 1 thread {shaped[1]:.3f} s, 2 threads {shaped[2]:.3f} s per epoch")
    for name in ("numpy", "torch"):
        for threads in (1, 2):
            seconds, error = peer(name, threads)
            if seconds is None:
                print(f"{name} ({threads} thread(s)): skipped ({error})")
                continue
            print(f"{name} ({threads} thread(s)): {seconds:.3f} s per epoch; "
                  f"shaped / {name} = {shaped[threads] / seconds:.2f}")


if __name__ == "__main__":
    main()
