#!/usr/bin/python3
"""The network and algorithm of bench/cnn.ts in PyTorch on the CPU, for a side-by-side epoch time.

Conv 5x5 (1 -> F1) -> ReLU -> max-pool 2 -> conv 5x5 (F1 -> F2) -> ReLU -> max-pool 2 -> flatten
-> [linear (16.F2 -> H) -> ReLU] -> linear (-> 10), softmax cross-entropy on the logits, Adam, float32,
mini-batches of 64. Same initial weights and the same order of examples as ours (read from INIT_DIR), so the
mean loss over the epoch can be compared too. PyTorch does the work its own way (oneDNN convolutions, its
own threads); the gather of each batch is part of the work, as in ours.

Usage: reference_cnn.py IMAGES LABELS INIT_DIR F1 F2 HIDDEN LR BATCH THREADS   (prints one JSON line)
       reference_cnn.py --probe     (prints {"torch": version, "threads": default threads, "mkldnn": bool})
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
    return torch.from_numpy(np.fromfile(f"{init_dir}/{name}.bin", dtype=np.float32).reshape(shape).copy())


def main():
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(),
                          "mkldnn": bool(torch.backends.mkldnn.is_available())}))
        return
    images_path, labels_path, init_dir, f1, f2, hidden, lr, batch, threads = sys.argv[1:10]
    f1, f2, hidden, batch, threads, lr = int(f1), int(f2), int(hidden), int(batch), int(threads), float(lr)
    torch.set_num_threads(threads)
    x = torch.from_numpy(idx_bytes(images_path, 16).reshape(-1, 1, 28, 28).astype(np.float32) / np.float32(255))
    labels = torch.from_numpy(idx_bytes(labels_path, 8).astype(np.int64))
    order = torch.from_numpy(np.fromfile(f"{init_dir}/order.bin", dtype=np.int32).astype(np.int64))
    # our Conv2D's W is F x (C.k.k), PyTorch's F x C x k x k: the same numbers in the same order;
    # our Dense's W is in x out, PyTorch's Linear weight out x in: transposed
    params = [read(init_dir, "c1W", (f1, 1, 5, 5)), read(init_dir, "c1b", (f1,)),
              read(init_dir, "c2W", (f2, f1, 5, 5)), read(init_dir, "c2b", (f2,))]
    dense = [(16 * f2, hidden), (hidden, 10)] if hidden > 0 else [(16 * f2, 10)]
    for i, (n_in, n_out) in enumerate(dense):
        params += [read(init_dir, f"d{i}W", (n_in, n_out)).t().contiguous(), read(init_dir, f"d{i}b", (n_out,))]
    for p in params:
        p.requires_grad_(True)
    opt = torch.optim.Adam(params, lr=lr)

    def forward(xb):
        a = F.max_pool2d(F.relu(F.conv2d(xb, params[0], params[1])), 2)
        a = F.max_pool2d(F.relu(F.conv2d(a, params[2], params[3])), 2)
        a = a.reshape(a.shape[0], -1)
        for i in range(len(dense)):
            a = F.linear(a, params[4 + 2 * i], params[5 + 2 * i])
            if i + 1 < len(dense):
                a = F.relu(a)
        return a

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


if __name__ == "__main__":
    main()
