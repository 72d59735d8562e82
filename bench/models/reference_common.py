"""What the PyTorch references of `npm run bench -- models` share (bench/models/reference_*.py).

Each script defines its network on parameters read from INIT_DIR (ours, exported by bench/models.ts) and calls
run(): one epoch of mini-batches in the order of INIT_DIR/order.bin (ours), softmax cross-entropy on the logits,
float32, on the CPU with THREADS threads. The gather of each batch is part of the work, as in ours.

Command line of every reference: IMAGES LABELS INIT_DIR THREADS BATCH [model arguments...]   (one JSON line out)
                                 --probe   ({"torch": version, "threads": default threads})
"""
import gzip
import json
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def idx_bytes(path, header):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        return np.frombuffer(f.read(), dtype=np.uint8)[header:]


def read(init_dir, name, shape):
    """Our parameter `name` as a float32 tensor of `shape` (row-major, as ours)."""
    return torch.from_numpy(np.fromfile(f"{init_dir}/{name}.bin", dtype=np.float32).reshape(shape).copy())


def run(build):
    """build(init_dir, model_args) -> (params, forward, optimizer_factory); prints the epoch's time and mean loss."""
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}))
        return
    images_path, labels_path, init_dir, threads, batch = sys.argv[1:6]
    threads, batch = int(threads), int(batch)
    torch.set_num_threads(threads)
    x = torch.from_numpy(idx_bytes(images_path, 16).reshape(-1, 784).astype(np.float32) / np.float32(255))
    labels = torch.from_numpy(idx_bytes(labels_path, 8).astype(np.int64))
    order = torch.from_numpy(np.fromfile(f"{init_dir}/order.bin", dtype=np.int32).astype(np.int64))
    params, forward, optimizer = build(init_dir, sys.argv[6:])
    for p in params:
        p.requires_grad_(True)
    opt = optimizer(params)
    n = x.shape[0]
    total = 0.0
    t0 = time.perf_counter()
    for start in range(0, n, batch):
        idx = order[start:start + batch]
        loss = F.cross_entropy(forward(x[idx]), labels[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
    seconds = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                      "epoch_seconds": seconds, "epoch_loss": total / n}))
