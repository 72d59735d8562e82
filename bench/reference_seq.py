#!/usr/bin/python3
"""The LSTM and the vision transformer of bench/seq.ts in PyTorch on the CPU, for side-by-side training times.

lstm: nn.LSTM(28 -> H) over the 28 rows of a digit, its last hidden state -> linear -> 10; Adam, gradients clipped to
      global norm 1 (as the lstm preset; a constant learning rate here).
vit:  16 patches of 7x7 -> linear 49 -> D, + learned positions; per block x + MHA(LN(x)) (nn.MultiheadAttention),
      x + MLP(LN(x)) (linear D -> hidden, ReLU, linear hidden -> D); LN, mean over tokens, linear -> 10; AdamW with
      decay on the weight matrices only (as ours; a constant learning rate here).
Softmax cross-entropy on the logits, float32. The initial weights are ours, read from INIT_DIR (one .bin per
parameter, named as ours: "0.Wx", "3.1.Wq", ...), and so is the order of the examples (order.bin): the mean loss
over the timed batches can be compared with ours.

PyTorch's dense products go to the BLAS it finds as libblas.so.3: Debian's python3-torch finds the reference BLAS
unless an optimised one is installed (or named by LD_LIBRARY_PATH, as bench/seq.ts does); --probe says which.

Usage: reference_seq.py MODEL IMAGES LABELS INIT_DIR CONFIG_JSON THREADS   (prints one JSON line)
       reference_seq.py --probe     (prints {"torch": version, "threads": default threads})
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def idx_bytes(path, header):
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        return np.frombuffer(f.read(), dtype=np.uint8)[header:]


class Loader:
    def __init__(self, init_dir, shapes):
        self.dir, self.shapes = init_dir, shapes

    def __call__(self, name):
        shape = self.shapes[name]
        return torch.from_numpy(np.fromfile(f"{self.dir}/{name}.bin", dtype=np.float32).reshape(shape).copy())


class Lstm(nn.Module):
    def __init__(self, p, hidden):
        super().__init__()
        self.lstm = nn.LSTM(28, hidden, batch_first=True)
        self.out = nn.Linear(hidden, 10)
        with torch.no_grad():  # ours: Wx I x 4H, Wh H x 4H, one bias; PyTorch: transposed, and two biases (b_hh = 0)
            self.lstm.weight_ih_l0.copy_(p("0.Wx").T)
            self.lstm.weight_hh_l0.copy_(p("0.Wh").T)
            self.lstm.bias_ih_l0.copy_(p("0.b")[0])
            self.lstm.bias_hh_l0.zero_()
            self.out.weight.copy_(p("1.W").T)
            self.out.bias.copy_(p("1.b")[0])
        self.lstm.bias_hh_l0.requires_grad_(False)  # one bias, as ours: Adam would move b_ih + b_hh twice as far

    def forward(self, x):
        _, (h, _) = self.lstm(x.reshape(-1, 28, 28))
        return self.out(h[0])


def linear(p, prefix):
    w = p(prefix + "W")
    m = nn.Linear(w.shape[0], w.shape[1])
    with torch.no_grad():
        m.weight.copy_(w.T)
        m.bias.copy_(p(prefix + "b")[0])
    return m


def layer_norm(p, prefix, dim):
    m = nn.LayerNorm(dim, eps=1e-5)
    with torch.no_grad():
        m.weight.copy_(p(prefix + "gamma")[0])
        m.bias.copy_(p(prefix + "beta")[0])
    return m


def attention(p, prefix, dim, heads):
    m = nn.MultiheadAttention(dim, heads, batch_first=True)
    with torch.no_grad():
        m.in_proj_weight.copy_(torch.cat([p(prefix + "Wq").T, p(prefix + "Wk").T, p(prefix + "Wv").T], 0))
        m.in_proj_bias.copy_(torch.cat([p(prefix + "bq")[0], p(prefix + "bk")[0], p(prefix + "bv")[0]]))
        m.out_proj.weight.copy_(p(prefix + "Wo").T)
        m.out_proj.bias.copy_(p(prefix + "bo")[0])
    return m


class Vit(nn.Module):
    def __init__(self, p, dim, heads, blocks):
        super().__init__()
        self.dim = dim
        self.embed = linear(p, "1.")
        self.positions = nn.Parameter(p("2.positions").reshape(16, dim))
        self.norms1, self.attns, self.norms2, self.ups, self.downs = (nn.ModuleList() for _ in range(5))
        for b in range(blocks):
            a, m = 3 + 2 * b, 4 + 2 * b
            self.norms1.append(layer_norm(p, f"{a}.0.", dim))
            self.attns.append(attention(p, f"{a}.1.", dim, heads))
            self.norms2.append(layer_norm(p, f"{m}.0.", dim))
            self.ups.append(linear(p, f"{m}.1."))
            self.downs.append(linear(p, f"{m}.3."))
        self.norm = layer_norm(p, f"{3 + 2 * blocks}.", dim)
        self.out = linear(p, f"{5 + 2 * blocks}.")

    def forward(self, x):
        n = x.shape[0]  # 28x28 -> 16 patches of 7x7 in reading order, each row by row (as our Patches)
        t = x.reshape(n, 4, 7, 4, 7).permute(0, 1, 3, 2, 4).reshape(n, 16, 49)
        t = self.embed(t) + self.positions
        for ln1, attn, ln2, up, down in zip(self.norms1, self.attns, self.norms2, self.ups, self.downs):
            a = ln1(t)
            t = t + attn(a, a, a, need_weights=False)[0]
            t = t + down(F.relu(up(ln2(t))))
        return self.out(self.norm(t).mean(dim=1))

    def groups(self, decay):
        weights = [m for name, m in self.named_parameters() if name.endswith("weight") and m.dim() == 2]
        ids = {id(m) for m in weights}
        return [{"params": weights, "weight_decay": decay}, {"params": [m for m in self.parameters() if id(m) not in ids], "weight_decay": 0.0}]


def blas():
    """The BLAS library this process loaded (PyTorch's products go to it): its path, from /proc/self/maps."""
    torch.ones(64, 64) @ torch.ones(64, 64)
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "blas" in line.lower() and "/" in line}
    return ", ".join(sorted(os.path.realpath(p) for p in paths)) or "none found"


def main():
    if sys.argv[1:] == ["--probe"]:
        print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas()}))
        return
    model_name, images_path, labels_path, init_dir, config, threads = sys.argv[1:7]
    c, threads = json.loads(config), int(threads)
    torch.set_num_threads(threads)
    x = torch.from_numpy(idx_bytes(images_path, 16).reshape(-1, 784).astype(np.float32) / np.float32(255))
    labels = torch.from_numpy(idx_bytes(labels_path, 8).astype(np.int64))
    order = torch.from_numpy(np.fromfile(f"{init_dir}/order.bin", dtype=np.int32).astype(np.int64))
    p = Loader(init_dir, c["shapes"])

    def make():
        if model_name == "lstm":
            model = Lstm(p, c["hidden"])
            return model, torch.optim.Adam([q for q in model.parameters() if q.requires_grad], lr=c["lr"])
        model = Vit(p, c["dim"], c["heads"], c["blocks"])
        return model, torch.optim.AdamW(model.groups(c["weightDecay"]), lr=c["lr"])

    def run(batches):
        model, opt = make()
        total, rows = 0.0, 0
        t0, cpu0 = time.perf_counter(), time.process_time()
        for b in range(batches):
            idx = order[b * c["batch"]:(b + 1) * c["batch"]]
            loss = F.cross_entropy(model(x[idx]), labels[idx])
            opt.zero_grad()
            loss.backward()
            if model_name == "lstm":
                torch.nn.utils.clip_grad_norm_(model.parameters(), c["clipNorm"])
            opt.step()
            total += loss.item() * len(idx)
            rows += len(idx)
        return time.perf_counter() - t0, time.process_time() - cpu0, total / rows

    if c["warmup"] > 0:
        run(c["warmup"])  # a throwaway model: the first calls of each kind, PyTorch's thread pool
    seconds, cpu, loss = run(c["batches"])
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "seconds": seconds, "cpu": cpu, "loss": loss}))


if __name__ == "__main__":
    main()
