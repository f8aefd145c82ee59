#!/usr/bin/env python3
"""The book's chapter 8 convnet in shaped and PyTorch (eager, CPU) side by side on this
machine: one epoch of 60,000 synthetic MNIST-shaped images, batch 64, RMSprop with Keras's
defaults, on 1 and 2 threads, and single-image inference (median of 300). Each runs in its
own process; shaped's figures come from `examples/convnet_speed.rs` in the same run.

PyTorch is not a dependency of the project: install it in a scratch virtualenv and pass its
interpreter, e.g.

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch numpy
    python3 scripts/compare_convnet_torch.py /tmp/torchenv/bin/python
"""
import os
import re
import subprocess
import sys

WORKER = r'''
import sys, time
threads = int(sys.argv[1])
import torch
torch.set_num_threads(threads)
torch.manual_seed(0)
n, batch = 60000, 64
x = torch.rand(n, 1, 28, 28)
y = torch.randint(0, 10, (n,))
nn = torch.nn
model = nn.Sequential(
    nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(64, 128, 3), nn.ReLU(), nn.Flatten(), nn.Linear(1152, 10))
opt = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)
loss_fn = nn.CrossEntropyLoss()
def epoch():
    order = torch.randperm(n)
    for s in range(0, n, batch):
        idx = order[s:s + batch]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
t = time.perf_counter(); epoch(); seconds = time.perf_counter() - t
model.eval()
one = x[:1]
times = []
with torch.no_grad():
    for _ in range(300):
        t = time.perf_counter(); model(one); times.append(time.perf_counter() - t)
print(seconds, sorted(times)[150] * 1e6)
'''


def main():
    python = sys.argv[1] if len(sys.argv) > 1 else sys.executable
    os.chdir(os.path.join(os.path.dirname(__file__), ".."))
    out = subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "convnet_speed"],
                         capture_output=True, text=True, check=True).stdout
    print(out.strip())
    shaped = {t: float(re.search(rf"epoch_s_{t}thread: ([\d.]+)", out).group(1)) for t in (1, 2)}
    shaped_infer = {t: float(re.search(rf"infer_us_1image_{t}thread: ([\d.]+)", out).group(1)) for t in (1, 2)}
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    for threads in (1, 2):
        r = subprocess.run([python, "-c", WORKER, str(threads)], capture_output=True, text=True, env=env)
        if r.returncode != 0:
            print(f"torch ({threads} thread(s)): skipped ({(r.stderr.strip().splitlines() or ['failed'])[-1]})")
            continue
        seconds, infer = map(float, r.stdout.split())
        version = subprocess.run([python, "-c", "import torch; print(torch.__version__)"],
                                 capture_output=True, text=True, env=env).stdout.strip()
        print(f"torch {version} ({threads} thread(s)): epoch {seconds:.2f} s, one image {infer:.0f} us; "
              f"shaped / torch: epoch {shaped[threads] / seconds:.2f}, one image {shaped_infer[threads] / infer:.2f}")


if __name__ == "__main__":
    main()
