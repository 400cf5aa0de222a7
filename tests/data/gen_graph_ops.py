#!/usr/bin/python3
"""Generates tests/data/graph_ops/: a small CNN (conv2d, relu, max/avg pool2d, flatten, linear and a
residual add) in mixprec's model folder layout, a batch of inputs, and PyTorch's outputs in float
and under one integer quantization config (MASE's quantizer: signed for conv/linear/add inputs,
weights and biases, unsigned for relu inputs; bias copied into quantized convs).

Run with Debian's interpreter: /usr/bin/python3 tests/data/gen_graph_ops.py
"""
import json
import os
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError:
    subprocess.check_call(["apt-get", "install", "-y", "python3-numpy", "python3-torch"])
    import numpy as np
    import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F

print("python", sys.version.split()[0], "torch", torch.__version__, "numpy", np.__version__)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "graph_ops")


class SmallCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv_0 = nn.Conv2d(2, 4, 3, padding=1)
        self.relu_0 = nn.ReLU()
        self.conv_1 = nn.Conv2d(4, 4, 3, padding=1)
        self.pool_0 = nn.MaxPool2d(3, stride=2, padding=1)
        self.conv_2 = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0))
        self.relu_1 = nn.ReLU()
        self.pool_1 = nn.AvgPool2d(2, stride=1, padding=1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(6 * 4 * 5, 3)

    def forward(self, x):
        a = self.relu_0(self.conv_0(x))
        b = self.conv_1(a)
        c = a + b
        d = self.relu_1(self.conv_2(self.pool_0(c)))
        return self.fc(self.flatten(self.pool_1(d)))


def pair(v):
    return list(v) if isinstance(v, tuple) else [v, v]


def describe(net, input_shape):
    nodes = [
        {"name": "conv_0", "op": "conv2d", "inputs": ["x"]},
        {"name": "relu_0", "op": "relu"},
        {"name": "conv_1", "op": "conv2d"},
        {"name": "add", "op": "add", "inputs": ["relu_0", "conv_1"]},
        {"name": "pool_0", "op": "max_pool2d"},
        {"name": "conv_2", "op": "conv2d"},
        {"name": "relu_1", "op": "relu"},
        {"name": "pool_1", "op": "avg_pool2d"},
        {"name": "flatten", "op": "flatten"},
        {"name": "fc", "op": "linear"},
    ]
    for n in nodes:
        m = getattr(net, n["name"], None)
        if isinstance(m, nn.Conv2d):
            n["attributes"] = {"in_channels": m.in_channels, "out_channels": m.out_channels,
                               "kernel_size": pair(m.kernel_size), "stride": pair(m.stride),
                               "padding": pair(m.padding), "bias": m.bias is not None}
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            n["attributes"] = {"kernel_size": pair(m.kernel_size), "stride": pair(m.stride),
                               "padding": pair(m.padding)}
        elif isinstance(m, nn.Linear):
            n["attributes"] = {"in_features": m.in_features, "out_features": m.out_features,
                               "bias": m.bias is not None}
    return {"input": {"name": "x", "shape": list(input_shape)}, "nodes": nodes}


def q_int(x, width, frac, signed=True):
    lo, hi = (-(2 ** (width - 1)), 2 ** (width - 1) - 1) if signed else (0, 2 ** width - 1)
    return torch.clamp(torch.round(x * 2.0 ** frac), lo, hi) / 2.0 ** frac


CONFIG = {
    "by": "name",
    "default": {"config": {"name": None}},
    "conv_0": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 5, "weight_width": 6,
                          "weight_frac_width": 5, "bias_width": 8, "bias_frac_width": 6}},
    "relu_0": {"config": {"name": "integer", "data_in_width": 5, "data_in_frac_width": 3}},
    "conv_1": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 4, "weight_width": 4,
                          "weight_frac_width": 4, "bias_width": 6, "bias_frac_width": 5}},
    "add": {"config": {"name": "integer", "data_in_width": 7, "data_in_frac_width": 3}},
    "conv_2": {"config": {"name": "integer", "bypass": True, "data_in_width": 8, "data_in_frac_width": 4,
                          "weight_width": 8, "weight_frac_width": 4, "bias_width": 8, "bias_frac_width": 4}},
    "relu_1": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 4}},
    "fc": {"config": {"name": "integer", "data_in_width": 8, "data_in_frac_width": 5, "weight_width": 8,
                      "weight_frac_width": 7, "bias_width": 8, "bias_frac_width": 7}},
}


def quantized_forward(net, x, cfg):
    def c(name):
        return cfg[name]["config"]

    def conv(name, h):
        m, k = getattr(net, name), c(name)
        if k.get("bypass"):
            return m(h)
        return F.conv2d(q_int(h, k["data_in_width"], k["data_in_frac_width"]),
                        q_int(m.weight, k["weight_width"], k["weight_frac_width"]),
                        q_int(m.bias, k["bias_width"], k["bias_frac_width"]), m.stride, m.padding)

    def relu(name, h):
        k = c(name)
        return F.relu(q_int(h, k["data_in_width"], k["data_in_frac_width"], signed=False))

    a = relu("relu_0", conv("conv_0", x))
    b = conv("conv_1", a)
    k = c("add")
    s = q_int(a, k["data_in_width"], k["data_in_frac_width"]) + q_int(b, k["data_in_width"], k["data_in_frac_width"])
    d = relu("relu_1", conv("conv_2", net.pool_0(s)))
    h = net.flatten(net.pool_1(d))
    k = c("fc")
    return F.linear(q_int(h, k["data_in_width"], k["data_in_frac_width"]),
                    q_int(net.fc.weight, k["weight_width"], k["weight_frac_width"]),
                    q_int(net.fc.bias, k["bias_width"], k["bias_frac_width"]))


def main():
    torch.manual_seed(0)
    net = SmallCNN().eval()
    traced = [n.name for n in torch.fx.symbolic_trace(net).graph.nodes]
    print("fx nodes:", traced)
    desc = describe(net, (2, 9, 9))
    assert [n["name"] for n in desc["nodes"]] == [t for t in traced if t not in ("x", "output")]
    x = torch.randn(5, 2, 9, 9)
    with torch.no_grad():
        y_float = net(x)
        y_int = quantized_forward(net, x, CONFIG)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "model.json"), "w") as f:
        json.dump(desc, f, indent=2)
    for key, t in net.state_dict().items():
        np.save(os.path.join(OUT, key.replace(".weight", "").replace(".bias", "").replace(".", "_")
                             + (".weight.npy" if key.endswith("weight") else ".bias.npy")),
                t.numpy().astype(np.float32))
    np.save(os.path.join(OUT, "input.npy"), x.numpy())
    np.save(os.path.join(OUT, "output_float.npy"), y_float.numpy())
    np.save(os.path.join(OUT, "output_integer.npy"), y_int.numpy())
    with open(os.path.join(OUT, "config_integer.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    with open(os.path.join(OUT, "README.md"), "w") as f:
        f.write("# graph_ops\n\nProduced by `tests/data/gen_graph_ops.py` (Debian python3, torch %s, numpy %s, one "
                "thread): a small CNN (conv2d, relu, residual add, max_pool2d, conv2d, relu, avg_pool2d, flatten, "
                "linear) in mixprec's model folder layout (`model.json` + `<node>.weight.npy`/`.bias.npy`), "
                "`input.npy` (5, 2, 9, 9), PyTorch's float output `output_float.npy` (5, 3), and "
                "`output_integer.npy`, the output under `config_integer.json` (MASE's integer quantizer, relu "
                "inputs unsigned, conv bias kept, conv_2 bypassed, pools and flatten untouched).\n"
                % (torch.__version__, np.__version__))
    print("float output", y_float.numpy()[0], "integer output", y_int.numpy()[0])


if __name__ == "__main__":
    main()
