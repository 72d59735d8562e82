"""PyTorch's values and gradients of the composite expressions that test/autograd-torch.test.ts builds with
Value and Tensor (lib/autograd/): an independent automatic differentiation to compare against.

Reads JSON from stdin: {"case name": {"input name": number or [[row], ...], ...}, ...}
Writes JSON to stdout: {"case name": {"value": number, "grads": {"input name": number or [[...]]}}, ...}
All in float64. Run with Debian's /usr/bin/python3 and its python3-torch (1.13). Each expression below is
written exactly as the test writes it with lib/autograd, operation for operation.
"""
import json
import sys

try:
    import torch
except ImportError:
    sys.stderr.write("autograd_reference.py: PyTorch is not installed for %s (Debian: apt-get install python3-torch)\n" % sys.executable)
    sys.exit(3)

F = torch.nn.functional


def micrograd_sanity(v):
    x = v["x"]
    z = 2 * x + 2 + x
    q = torch.relu(z) + z * x
    h = torch.relu(z * z)
    return h + q + q * x


def micrograd_more_ops(v):
    a, b = v["a"], v["b"]
    c = a + b
    d = a * b + b ** 3
    c = c + (c + 1)
    c = c + (1 + c + (-a))
    d = d + (d * 2 + torch.relu(b + a))
    d = d + (3 * d + torch.relu(b - a))
    e = c - d
    f = e ** 2
    g = f / 2.0
    g = g + 10.0 / f
    return g


def smooth_ops(v):
    a, b, c = v["a"], v["b"], v["c"]
    softplus = torch.log(1 + torch.exp(a * b))
    ratio = softplus * torch.tanh(c) / torch.sigmoid(a - c)
    return ratio + (b ** 2 + 1) ** 0.5 - (-a) + torch.exp(-(c ** 2)) * b ** -1


def neuron(v):
    x1, x2, w1, w2, b, y = v["x1"], v["x2"], v["w1"], v["w2"], v["b"], v["y"]
    out = torch.tanh(x1 * w1 + x2 * w2 + b)
    return (out - y) ** 2 + torch.sigmoid(out) * torch.log(w1 * w1 + 1)


def mlp_softmax_ce(v):
    X, W1, b1, W2, b2, Y = v["X"], v["W1"], v["b1"], v["W2"], v["b2"], v["Y"]
    logits = torch.relu(X @ W1 + b1) @ W2 + b2
    return -(Y * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


def elementwise_fan_out(v):
    A, B, r = v["A"], v["B"], v["r"]
    first = torch.exp(torch.tanh(A * B) + torch.sigmoid(A) - r).mean()
    second = torch.log(A * A + torch.exp(B)).sum()
    return first + second


def tanh_net_shared_weight(v):
    X, W, b, C = v["X"], v["W"], v["b"], v["C"]
    H = torch.tanh(X @ W - b)
    out = torch.sigmoid(H @ W @ W) * C
    return (out.sum() + (H * H).mean()) * out.mean()


CASES = {
    "micrograd sanity": micrograd_sanity,
    "micrograd more ops": micrograd_more_ops,
    "smooth ops": smooth_ops,
    "neuron": neuron,
    "mlp softmax cross-entropy": mlp_softmax_ce,
    "element-wise with fan-out": elementwise_fan_out,
    "tanh net with a shared weight": tanh_net_shared_weight,
}

NO_GRAD = {"Y", "C"}  # targets and constants: no gradient


def main():
    request = json.load(sys.stdin)
    answer = {}
    for name, inputs in request.items():
        v = {k: torch.tensor(x, dtype=torch.float64, requires_grad=k not in NO_GRAD) for k, x in inputs.items()}
        out = CASES[name](v)
        out.backward()
        answer[name] = {
            "value": out.item(),
            "grads": {k: t.grad.tolist() for k, t in v.items() if k not in NO_GRAD},
        }
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
