"""PyTorch's RNN and LSTM as an independent reference for lib/nn/rnn.ts and lib/nn/lstm.ts (test/recurrent-torch.test.ts).

Reads a JSON list of queries on stdin, each
  {"kind": "rnn" | "lstm", "inputs": I, "hidden": H, "steps": T, "batch": B,
   "x": [B·T·I], "Wx": [I·G·H], "Wh": [H·G·H], "b": [G·H], "dOut": [B·H]}      (G = 1 for rnn, 4 for lstm;
   row-major, as the library stores them; x row b is step-major, which is PyTorch's batch_first layout)
and writes a list of {"torch": version, "out": h_T, "dX", "dWx", "dWh", "db"} computed in float64 by torch.nn.RNN (tanh)
or torch.nn.LSTM (gates i, f, g, o, as in the library), with loss = Σ h_T ⊙ dOut so that ∂loss/∂h_T = dOut.
PyTorch stores weight_ih as (G·H) × I, the transpose of our Wx, and has two biases: bias_ih = b, bias_hh = 0.
"""
import json
import sys

import torch


def main():
    json.dump([answer(q) for q in json.load(sys.stdin)], sys.stdout)


def answer(q):
    I, H, T, B = q["inputs"], q["hidden"], q["steps"], q["batch"]
    G = 4 if q["kind"] == "lstm" else 1
    f64 = torch.float64
    if q["kind"] == "lstm":
        net = torch.nn.LSTM(I, H, batch_first=True)
    elif q["kind"] == "rnn":
        net = torch.nn.RNN(I, H, nonlinearity="tanh", batch_first=True)
    else:
        raise SystemExit(f"unknown kind {q['kind']!r}")
    net = net.to(f64)
    with torch.no_grad():
        net.weight_ih_l0.copy_(torch.tensor(q["Wx"], dtype=f64).reshape(I, G * H).T)
        net.weight_hh_l0.copy_(torch.tensor(q["Wh"], dtype=f64).reshape(H, G * H).T)
        net.bias_ih_l0.copy_(torch.tensor(q["b"], dtype=f64))
        net.bias_hh_l0.zero_()
    x = torch.tensor(q["x"], dtype=f64).reshape(B, T, I).requires_grad_(True)
    outputs, _ = net(x)
    h_last = outputs[:, -1, :]
    loss = (h_last * torch.tensor(q["dOut"], dtype=f64).reshape(B, H)).sum()
    loss.backward()
    flat = lambda t: t.detach().reshape(-1).tolist()
    return {
        "torch": torch.__version__,
        "out": flat(h_last),
        "dX": flat(x.grad),
        "dWx": flat(net.weight_ih_l0.grad.T.contiguous()),
        "dWh": flat(net.weight_hh_l0.grad.T.contiguous()),
        "db": flat(net.bias_ih_l0.grad),
    }


if __name__ == "__main__":
    main()
