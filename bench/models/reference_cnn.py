#!/usr/bin/python3
"""The CNN of bench/models/cnn.ts (and bench/cnn.ts) in PyTorch on the CPU, for a side-by-side epoch time.

Conv 5x5 (1 -> F1) -> ReLU -> max-pool 2 -> conv 5x5 (F1 -> F2) -> ReLU -> max-pool 2 -> flatten
-> [linear (16.F2 -> H) -> ReLU] -> linear (-> 10), softmax cross-entropy on the logits, Adam, float32.
Same initial weights and the same order of examples as ours (read from INIT_DIR), so the mean loss over the
epoch can be compared too. PyTorch does the work its own way (oneDNN convolutions, its own threads).

Usage: reference_cnn.py IMAGES LABELS INIT_DIR THREADS BATCH F1 F2 HIDDEN LR   (see reference_common.py)
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference_common import read, run  # noqa: E402


def build(init_dir, args):
    f1, f2, hidden, lr = int(args[0]), int(args[1]), int(args[2]), float(args[3])
    # our Conv2D's W is F x (C.k.k), PyTorch's F x C x k x k: the same numbers in the same order;
    # our Dense's W is in x out, PyTorch's Linear weight out x in: transposed
    params = [read(init_dir, "c1W", (f1, 1, 5, 5)), read(init_dir, "c1b", (f1,)),
              read(init_dir, "c2W", (f2, f1, 5, 5)), read(init_dir, "c2b", (f2,))]
    dense = [(16 * f2, hidden), (hidden, 10)] if hidden > 0 else [(16 * f2, 10)]
    for i, (n_in, n_out) in enumerate(dense):
        params += [read(init_dir, f"d{i}W", (n_in, n_out)).t().contiguous(), read(init_dir, f"d{i}b", (n_out,))]

    def forward(xb):
        a = xb.reshape(-1, 1, 28, 28)
        a = F.max_pool2d(F.relu(F.conv2d(a, params[0], params[1])), 2)
        a = F.max_pool2d(F.relu(F.conv2d(a, params[2], params[3])), 2)
        a = a.reshape(a.shape[0], -1)
        for i in range(len(dense)):
            a = F.linear(a, params[4 + 2 * i], params[5 + 2 * i])
            if i + 1 < len(dense):
                a = F.relu(a)
        return a

    return params, forward, lambda ps: torch.optim.Adam(ps, lr=lr)


if __name__ == "__main__":
    run(build)
