#!/usr/bin/python3
"""The MLP of bench/models/mlp.ts in PyTorch: 784 -> 256 -> ReLU -> 10, plain SGD (no momentum), float32.

Usage: reference_mlp.py IMAGES LABELS INIT_DIR THREADS BATCH LR   (see reference_common.py)
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import read, run  # noqa: E402


def build(init_dir, args):
    lr = float(args[0]) if args else 0.1
    # our Dense's W is in x out, PyTorch's Linear weight out x in: transposed
    params = [read(init_dir, "W1", (784, 256)).t().contiguous(), read(init_dir, "b1", (256,)),
              read(init_dir, "W2", (256, 10)).t().contiguous(), read(init_dir, "b2", (10,))]

    def forward(xb):
        return F.linear(F.relu(F.linear(xb, params[0], params[1])), params[2], params[3])

    return params, forward, lambda ps: torch.optim.SGD(ps, lr=lr)


if __name__ == "__main__":
    run(build)
