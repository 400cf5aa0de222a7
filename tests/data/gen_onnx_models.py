#!/usr/bin/python3
"""Generates tests/data/onnx/: a small CNN written by torch.onnx.export at opsets 9, 13 and 17
(conv + batch norm + relu, max pool, a residual block, x.view(x.size(0), -1), dropout, linear),
with a dynamic batch dimension, a batch of inputs and PyTorch's float outputs (.npy, float32).

Run with Debian's interpreter: /usr/bin/python3 tests/data/gen_onnx_models.py
"""
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
import torch.nn as nn

print("python", sys.version.split()[0], "torch", torch.__version__, "numpy", np.__version__)
torch.set_num_threads(1)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx")


class ExportedCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(2, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.pool = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(4, 4, 3, padding=1, bias=False)
        self.drop = nn.Dropout(0.25)
        self.fc1 = nn.Linear(4 * 3 * 3, 10)
        self.fc2 = nn.Linear(10, 3)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn1(self.conv1(x))))
        x = torch.relu(x + self.conv2(x))  # residual add
        x = x.view(x.size(0), -1)
        x = torch.relu(self.fc1(self.drop(x)))
        return self.fc2(x)


torch.manual_seed(0)
net = ExportedCNN()
with torch.no_grad():  # non-trivial running statistics, so the folded batch norm is exercised
    net.bn1.running_mean.uniform_(-0.5, 0.5)
    net.bn1.running_var.uniform_(0.5, 2.0)
    net.bn1.weight.uniform_(0.5, 1.5)
    net.bn1.bias.uniform_(-0.2, 0.2)
net.eval()
x = torch.randn(5, 2, 6, 6)
with torch.no_grad():
    y = net(x)
os.makedirs(OUT, exist_ok=True)
np.save(os.path.join(OUT, "cnn_input.npy"), x.numpy().astype(np.float32))
np.save(os.path.join(OUT, "cnn_output.npy"), y.numpy().astype(np.float32))
for opset in (9, 13, 17):
    torch.onnx.export(net, x, os.path.join(OUT, f"cnn_opset{opset}.onnx"), opset_version=opset,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}})
print("wrote", OUT)
