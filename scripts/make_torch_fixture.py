#!/usr/bin/env python3
"""Writes tests/fixtures/torch_linear.safetensors: a PyTorch nn.Linear(4, 3) state dict.

PyTorch stores nn.Linear as `weight` [out, in] and `bias` [out]; this script writes that
layout with numpy (no torch needed) through the `safetensors` package from PyPI, plus an
input batch and the output PyTorch computes for it (x @ weight.T + bias), so the Rust test
checks the transposition end to end.

    pip install numpy safetensors && python3 scripts/make_torch_fixture.py
"""
import numpy as np
from safetensors.numpy import save_file

rng = np.random.default_rng(2026)
weight = rng.uniform(-1, 1, size=(3, 4)).astype(np.float32)
bias = rng.uniform(-1, 1, size=(3,)).astype(np.float32)
x = rng.uniform(-1, 1, size=(2, 4)).astype(np.float32)
y = (x.astype(np.float64) @ weight.T.astype(np.float64) + bias).astype(np.float32)
save_file(
    {"fc.weight": weight, "fc.bias": bias, "check.input": x, "check.output": y},
    "tests/fixtures/torch_linear.safetensors",
)
print("wrote tests/fixtures/torch_linear.safetensors")
