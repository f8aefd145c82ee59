#!/usr/bin/env python3
"""Times the chapter's workload in shaped, numpy and PyTorch side by side on this machine.

784 -> 512 relu -> 10 softmax, RMSprop (Keras defaults), batch 128, 60000 samples per
epoch, synthetic data of MNIST's shape. Each framework runs in its own process with 1 and
2 threads; medians of 3 epochs after a warm-up. Then inference: one sample at a time on
sparse (MNIST-like) and dense rows, medians of 5 x 1000 calls, and a batch of 1000 dense
rows (images per second). numpy and PyTorch are optional: a missing
one is reported and skipped. Prints shaped's time as a ratio to each peer's, the CPU, and
the BLAS kernel numpy runs (threadpoolctl, when installed).

OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are removed from the peers' environment only (some
machines here set them, which makes a current numpy run older, slower kernels); tests and
CI never change them.

    python3 scripts/compare_peers.py            (python3 with numpy, torch, threadpoolctl)
    python3 scripts/compare_peers.py --convnet  (then the book's convnet against PyTorch:
                                                 scripts/compare_convnet_torch.py)
"""
import json
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
result = {"epoch_s": sorted(times)[1]}

# Inference on trained-shape weights: one sample at a time (sparse MNIST-like rows and dense
# rows), and a batch of 1000 dense rows.
dense = rng.uniform(0.01, 1.0, (1000, 784)).astype(np.float32)
sparse = x[:1000]
if sys.argv[1] == "numpy":
    w1, b1, w2, b2 = glorot(784, 512), np.zeros(512, np.float32), glorot(512, 10), np.zeros(10, np.float32)
    def infer(rows):
        return (np.maximum(rows @ w1 + b1, 0) @ w2 + b2).argmax(-1)
else:
    import torch
    model = torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 10)).eval()
    def infer(rows):
        with torch.no_grad():
            return model(torch.from_numpy(rows)).argmax(-1)

def per_call_us(rows):
    for i in range(1000):
        infer(rows[i:i + 1])
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for i in range(1000):
            infer(rows[i:i + 1])
        runs.append((time.perf_counter() - t) * 1e3)
    return sorted(runs)[2]

result["infer_sparse_us"] = per_call_us(sparse)
result["infer_dense_us"] = per_call_us(dense)
runs = []
for _ in range(5):
    t = time.perf_counter(); infer(dense); runs.append(time.perf_counter() - t)
result["batch1000_images_per_s"] = 1000 / sorted(runs)[2]
import json
print(json.dumps(result))
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
    return json.loads(r.stdout.strip().splitlines()[-1]), None


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
    value = lambda key: float(re.search(key + r": ([\d.]+)", out).group(1))
    shaped = {
        1: {"epoch_s": value("epoch_s_1thread")},
        2: {"epoch_s": value("epoch_s_2threads")},
        "infer_sparse_us": value("infer_sparse_us"),
        "infer_dense_us": value("infer_dense_us"),
        "infer_dense_us_1thread": value("infer_dense_us_1thread"),
        "infer_fixed_dense_us": value("infer_fixed_dense_us"),
        "infer_fixed_dense_us_1thread": value("infer_fixed_dense_us_1thread"),
        "infer_int8_dense_us": value("infer_int8_dense_us"),
        "infer_int8_dense_us_1thread": value("infer_int8_dense_us_1thread"),
        "infer_bf16_dense_us": value("infer_bf16_dense_us"),
        "infer_bf16_dense_us_1thread": value("infer_bf16_dense_us_1thread"),
        "batch1000_images_per_s": value("batch1000_images_per_s"),
    }
    print(f"cpu: {cpu()}, {os.cpu_count()} cores; shaped's f32 kernel: "
          + (re.search(r"kernel: (\S+)", out).group(1) if "kernel:" in out else "see SHAPED_KERNEL"))
    for line in out.splitlines():
        if line.startswith(("peak_gflops", "efficiency", "speedup", "epoch_s", "infer_", "batch1000")):
            print(f"  shaped {line}")
    print("ratios are shaped's time / the peer's (below 1: shaped is faster); "
          "for images per second, the peer's / shaped's")
    for name in ("numpy", "torch"):
        for threads in (1, 2):
            peer_result, error = peer(name, threads)
            if peer_result is None:
                print(f"{name} ({threads} thread(s)): skipped ({error})")
                continue
            epoch_ratio = shaped[threads]["epoch_s"] / peer_result["epoch_s"]
            line = f"{name} ({threads} thread(s)): epoch {peer_result['epoch_s']:.3f} s (ratio {epoch_ratio:.2f})"
            # Single samples at the peer's thread count: the typed model and the fixed-size
            # f32, bf16 and int8 paths (ParallelDense, ParallelInt8Dense on two threads)
            # split a large layer's columns over the pool; the sparse path runs on one.
            if threads == 1:
                pairs = [("infer_dense_us", "infer_dense_us_1thread"),
                         ("infer_dense_us", "infer_fixed_dense_us_1thread"),
                         ("infer_sparse_us", "infer_sparse_us"),
                         ("infer_dense_us", "infer_int8_dense_us_1thread"),
                         ("infer_dense_us", "infer_bf16_dense_us_1thread")]
            else:
                pairs = [("infer_dense_us", "infer_dense_us"), ("infer_dense_us", "infer_fixed_dense_us"),
                         ("infer_dense_us", "infer_bf16_dense_us"), ("infer_dense_us", "infer_int8_dense_us")]
            for key, shaped_key in pairs:
                line += (f"; {shaped_key} vs {key} {peer_result[key]:.1f} us "
                         f"(ratio {shaped[shaped_key] / peer_result[key]:.2f})")
            if threads == 2:
                line += (f"; batch of 1000: {peer_result['batch1000_images_per_s']:.0f} images/s "
                         f"(ratio {peer_result['batch1000_images_per_s'] / shaped['batch1000_images_per_s']:.2f})")
            print(line)

if __name__ == "__main__":
    main()
    if "--convnet" in sys.argv[1:]:
        # The convnet's epoch and single images, in the same run (PyTorch from this
        # interpreter).
        print("the book's convnet:")
        subprocess.run([sys.executable, os.path.join("scripts", "compare_convnet_torch.py"),
                        sys.executable], check=True)
