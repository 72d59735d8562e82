#!/usr/bin/python3
"""The same network and algorithm as bench/train.ts, in plain NumPy, for a side-by-side timing.

784 -> 256 -> ReLU -> 10, softmax cross-entropy on the logits, plain gradient descent (lr 0.1), examples
as rows: Z1 = X.W1 + b1, A1 = max(0, Z1), Z2 = A1.W2 + b2, loss = -(1/m) sum y.log softmax(Z2),
dZ2 = (p - y)/m, dW2 = A1'.dZ2, db2 = sum dZ2, dZ1 = dZ2.W2' * 1[Z1 > 0], dW1 = X'.dZ1, db1 = sum dZ1,
W <- W - lr.dW. Same initial weights and the same shuffled order as the TypeScript run (read from --init),
so the losses can be compared too.

Usage: reference.py IMAGES LABELS INIT_DIR DTYPE [SGD_STEPS]   (prints one JSON line)
bench/train.ts runs it with the fastest NumPy it finds and without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
(lib/course/numpy.ts), and prints which BLAS that NumPy calls.
"""
import gzip
import json
import sys
import time

import numpy as np


def idx_bytes(path, header):
    """The payload of an IDX file (plain or gzip), after its header."""
    with (gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")) as f:
        return np.frombuffer(f.read(), dtype=np.uint8)[header:]


def load(images_path, labels_path, dtype):
    x = idx_bytes(images_path, 16).reshape(-1, 784).astype(dtype) / dtype(255)
    labels = idx_bytes(labels_path, 8).astype(np.int64)
    return x, labels


def read(init_dir, name, shape, dtype):
    return np.fromfile(f"{init_dir}/{name}.bin", dtype=np.float32).reshape(shape).astype(dtype)


class Net:
    def __init__(self, init_dir, dtype):
        self.W1 = read(init_dir, "W1", (784, 256), dtype)
        self.b1 = read(init_dir, "b1", (256,), dtype)
        self.W2 = read(init_dir, "W2", (256, 10), dtype)
        self.b2 = read(init_dir, "b2", (10,), dtype)
        self.lr = dtype(0.1)

    def step(self, X, Y):
        """One update on the batch X (m x 784) with one-hot targets Y (m x 10); returns the batch loss."""
        m = X.shape[0]
        Z1 = X @ self.W1 + self.b1
        A1 = np.maximum(Z1, 0)
        Z2 = A1 @ self.W2 + self.b2
        Zs = Z2 - Z2.max(axis=1, keepdims=True)  # stable log-sum-exp
        E = np.exp(Zs)
        S = E.sum(axis=1, keepdims=True)
        loss = -(Y * (Zs - np.log(S))).sum() / m
        dZ2 = (E / S - Y) / m
        dW2 = A1.T @ dZ2
        db2 = dZ2.sum(axis=0)
        dZ1 = (dZ2 @ self.W2.T) * (Z1 > 0)
        dW1 = X.T @ dZ1
        db1 = dZ1.sum(axis=0)
        self.W1 -= self.lr * dW1
        self.b1 -= self.lr * db1
        self.W2 -= self.lr * dW2
        self.b2 -= self.lr * db2
        return float(loss)


def main():
    images_path, labels_path, init_dir, dtype_name = sys.argv[1:5]
    sgd_steps = int(sys.argv[5]) if len(sys.argv) > 5 else 5000
    dtype = {"float64": np.float64, "float32": np.float32}[dtype_name]
    x, labels = load(images_path, labels_path, dtype)
    eye = np.eye(10, dtype=dtype)
    order = np.fromfile(f"{init_dir}/order.bin", dtype=np.int32)
    n = x.shape[0]
    result = {"dtype": dtype_name, "numpy": np.__version__}

    # one epoch of mini-batches of 64 in the given order (the gather X[idx] is part of the work, as in ours)
    net = Net(init_dir, dtype)
    t0 = time.perf_counter()
    total = 0.0
    for start in range(0, n, 64):
        idx = order[start:start + 64]
        total += net.step(x[idx], eye[labels[idx]]) * len(idx)
    result["epoch_seconds"] = time.perf_counter() - t0
    result["epoch_loss"] = total / n

    # full-batch steps on all n images (one-hot targets built once, as lib/data's batches() does):
    # one untimed, then the median of 3, as for ours (bench/train.ts)
    net = Net(init_dir, dtype)
    Y = eye[labels]
    result["full_step_loss"] = net.step(x, Y)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        net.step(x, Y)
        times.append(time.perf_counter() - t0)
    result["full_step_seconds"] = sorted(times)[1]

    # single-example SGD steps
    net = Net(init_dir, dtype)
    t0 = time.perf_counter()
    total = 0.0
    for i in range(sgd_steps):
        idx = order[i:i + 1]
        total += net.step(x[idx], eye[labels[idx]])
    result["sgd_seconds"] = time.perf_counter() - t0
    result["sgd_steps"] = sgd_steps
    result["sgd_loss"] = total / sgd_steps
    print(json.dumps(result))


if __name__ == "__main__":
    main()
