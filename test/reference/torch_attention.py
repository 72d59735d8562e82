"""PyTorch's autograd as an independent reference for chapter 15's layers (float64).

Reads a JSON case on stdin, writes {"y": [...], "grads": {name: [...]}} on stdout: the output and the gradients
of sum(y * dY) (for a layer) or of the mean cross-entropy (for a whole transformer) with respect to the input and
every parameter. Our names and layouts: W is inputs x outputs (torch's Linear weight is its transpose), a row
holds the tokens side by side. Uses torch's own nn.LayerNorm, nn.MultiheadAttention and F.cross_entropy.
"""
import json
import sys

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def tensor(values, rows, cols):
    return torch.tensor(values, dtype=torch.float64).reshape(rows, cols)


def mha_module(p, prefix, dim, heads):
    m = torch.nn.MultiheadAttention(dim, heads, batch_first=True).double()
    with torch.no_grad():
        m.in_proj_weight.copy_(torch.cat([p[prefix + "Wq"].T, p[prefix + "Wk"].T, p[prefix + "Wv"].T], 0))
        m.in_proj_bias.copy_(torch.cat([p[prefix + "bq"][0], p[prefix + "bk"][0], p[prefix + "bv"][0]]))
        m.out_proj.weight.copy_(p[prefix + "Wo"].T)
        m.out_proj.bias.copy_(p[prefix + "bo"][0])
    return m


def mha_grads(m, prefix, dim):
    g = m.in_proj_weight.grad
    b = m.in_proj_bias.grad
    return {
        prefix + "Wq": g[:dim].T, prefix + "Wk": g[dim:2 * dim].T, prefix + "Wv": g[2 * dim:].T, prefix + "Wo": m.out_proj.weight.grad.T,
        prefix + "bq": b[:dim], prefix + "bk": b[dim:2 * dim], prefix + "bv": b[2 * dim:], prefix + "bo": m.out_proj.bias.grad,
    }


def layer_norm_module(p, prefix, features, eps):
    m = torch.nn.LayerNorm(features, eps=eps).double()
    with torch.no_grad():
        m.weight.copy_(p[prefix + "gamma"][0])
        m.bias.copy_(p[prefix + "beta"][0])
    return m


def main():
    case = json.load(sys.stdin)
    p = {name: tensor(*v) for name, v in case["params"].items()}
    x = tensor(*case["x"]).requires_grad_(True)
    n = x.shape[0]
    grads = {}
    if case["kind"] == "layernorm":
        f, eps = case["features"], case["eps"]
        m = layer_norm_module(p, "", f, eps)
        y = m(x.reshape(-1, f)).reshape(n, -1)
        (y * tensor(*case["dY"])).sum().backward()
        grads = {"gamma": m.weight.grad, "beta": m.bias.grad}
    elif case["kind"] == "attention":
        t, d, h = case["tokens"], case["dim"], case["heads"]
        m = mha_module(p, "", d, h)
        xs = x.reshape(n, t, d)
        y = m(xs, xs, xs, need_weights=False)[0].reshape(n, t * d)
        (y * tensor(*case["dY"])).sum().backward()
        grads = mha_grads(m, "", d)
    elif case["kind"] == "vit":
        c = case["config"]
        patch, d, h, blocks = c["patch"], c["dim"], c["heads"], c["blocks"]
        g = 28 // patch
        t = g * g
        leaves = {k: v.requires_grad_(True) for k, v in p.items()}  # LayerNorm's and attention's are copied into torch's modules below
        z = x.reshape(n, g, patch, g, patch).permute(0, 1, 3, 2, 4).reshape(n, t, patch * patch)  # 16 patches, reading order
        z = z @ leaves["1.W"] + leaves["1.b"][0]  # the patch embedding
        z = z + leaves["2.positions"].reshape(t, d)
        modules = {}
        for b in range(blocks):
            a, f = 3 + 2 * b, 4 + 2 * b
            ln1 = layer_norm_module(p, f"{a}.0.", d, 1e-5)
            att = mha_module(p, f"{a}.1.", d, h)
            u = ln1(z)
            z = z + att(u, u, u, need_weights=False)[0]
            ln2 = layer_norm_module(p, f"{f}.0.", d, 1e-5)
            z = z + (torch.relu(ln2(z) @ leaves[f"{f}.1.W"] + leaves[f"{f}.1.b"][0]) @ leaves[f"{f}.3.W"] + leaves[f"{f}.3.b"][0])
            modules[b] = (ln1, att, ln2)
        last = 3 + 2 * blocks
        lnf = layer_norm_module(p, f"{last}.", d, 1e-5)
        y = lnf(z).mean(1) @ leaves[f"{last + 2}.W"] + leaves[f"{last + 2}.b"][0]
        F.cross_entropy(y, torch.tensor(case["labels"])).backward()
        grads = {k: v.grad for k, v in leaves.items() if v.grad is not None}
        for b, (ln1, att, ln2) in modules.items():
            a, f = 3 + 2 * b, 4 + 2 * b
            grads.update(mha_grads(att, f"{a}.1.", d))
            grads.update({f"{a}.0.gamma": ln1.weight.grad, f"{a}.0.beta": ln1.bias.grad, f"{f}.0.gamma": ln2.weight.grad, f"{f}.0.beta": ln2.bias.grad})
        grads.update({f"{last}.gamma": lnf.weight.grad, f"{last}.beta": lnf.bias.grad})
    else:
        raise SystemExit(f"unknown case kind {case['kind']!r}")
    grads["x"] = x.grad
    out = {"torch": torch.__version__, "y": y.detach().reshape(-1).tolist(), "grads": {k: v.detach().reshape(-1).tolist() for k, v in grads.items()}}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
