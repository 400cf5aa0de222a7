#!/usr/bin/python3
"""Generates the custom-model example: a tiny CNN that tells horizontal, vertical and diagonal
bars apart in noisy 6x6 images, saved in mixprec's model-folder format (model/model.json plus
one float32 .npy per tensor, PyTorch layout), and its data set (data/x_<split>.npy float32
N x 1 x 6 x 6, data/y_<split>.npy int64 N).

The four 3x3 convolution filters are fixed edge/line detectors; only the final Linear layer is
trained (softmax regression, full-batch gradient descent), so the script needs NumPy alone.
Run it with Debian's interpreter: /usr/bin/python3 generate.py  (apt-get install python3-numpy).
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SIZE, CLASSES = 6, 3


def make_images(rng, n):
    """n noisy 6x6 images; class 0 = horizontal bar, 1 = vertical bar, 2 = diagonal bar."""
    x = rng.normal(0.0, 0.35, size=(n, 1, SIZE, SIZE)).astype(np.float32)
    y = rng.randint(0, CLASSES, size=n).astype(np.int64)
    for i in range(n):
        k = rng.randint(0, SIZE)
        if y[i] == 0:
            x[i, 0, k, :] += 1.0
        elif y[i] == 1:
            x[i, 0, :, k] += 1.0
        else:
            idx = np.arange(SIZE)
            if rng.rand() < 0.5:
                x[i, 0, idx, idx] += 1.0
            else:
                x[i, 0, idx, SIZE - 1 - idx] += 1.0
    return x, y


def conv_features(x, w, b):
    """conv2d(1->4, k=3, padding=1) -> relu -> max_pool2d(2) -> flatten, as the C++ graph runs it."""
    n = x.shape[0]
    p = np.pad(x[:, 0], ((0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], SIZE, SIZE), dtype=np.float32)
    for o in range(w.shape[0]):
        for i in range(3):
            for j in range(3):
                out[:, o] += w[o, 0, i, j] * p[:, i:i + SIZE, j:j + SIZE]
        out[:, o] += b[o]
    out = np.maximum(out, 0.0)
    pooled = out.reshape(n, w.shape[0], SIZE // 2, 2, SIZE // 2, 2).max(axis=(3, 5))
    return pooled.reshape(n, -1)


def main():
    print("numpy", np.__version__)
    rng = np.random.RandomState(2024)
    conv_w = np.array([
        [[-0.5, -0.5, -0.5], [1.0, 1.0, 1.0], [-0.5, -0.5, -0.5]],   # horizontal line
        [[-0.5, 1.0, -0.5], [-0.5, 1.0, -0.5], [-0.5, 1.0, -0.5]],   # vertical line
        [[1.0, -0.5, -0.5], [-0.5, 1.0, -0.5], [-0.5, -0.5, 1.0]],   # diagonal
        [[-0.5, -0.5, 1.0], [-0.5, 1.0, -0.5], [1.0, -0.5, -0.5]],   # anti-diagonal
    ], dtype=np.float32).reshape(4, 1, 3, 3)
    conv_b = np.full(4, -0.25, dtype=np.float32)

    splits = {"train": 2048, "validation": 512, "test": 512}
    data = {s: make_images(rng, n) for s, n in splits.items()}

    feats = conv_features(data["train"][0], conv_w, conv_b).astype(np.float64)
    y = data["train"][1]
    fc_w = np.zeros((CLASSES, feats.shape[1]))
    fc_b = np.zeros(CLASSES)
    onehot = np.eye(CLASSES)[y]
    for _ in range(600):
        logits = feats @ fc_w.T + fc_b
        logits -= logits.max(axis=1, keepdims=True)
        prob = np.exp(logits)
        prob /= prob.sum(axis=1, keepdims=True)
        grad = (prob - onehot) / len(y)
        fc_w -= 0.5 * grad.T @ feats
        fc_b -= 0.5 * grad.sum(axis=0)
    fc_w = fc_w.astype(np.float32)
    fc_b = fc_b.astype(np.float32)

    for s, (x, yy) in data.items():
        pred = (conv_features(x, conv_w, conv_b) @ fc_w.T + fc_b).argmax(axis=1)
        print(f"{s}: float accuracy {np.mean(pred == yy):.4f}")

    model_dir = os.path.join(HERE, "model")
    data_dir = os.path.join(HERE, "data")
    os.makedirs(model_dir, exist_ok=True)
    os.makedirs(data_dir, exist_ok=True)
    desc = {
        "input": {"name": "x", "shape": [1, SIZE, SIZE]},
        "nodes": [
            {"name": "conv1", "op": "conv2d",
             "attributes": {"in_channels": 1, "out_channels": 4, "kernel_size": 3, "padding": 1}},
            {"name": "relu1", "op": "relu"},
            {"name": "pool1", "op": "max_pool2d", "attributes": {"kernel_size": 2}},
            {"name": "flatten", "op": "flatten"},
            {"name": "fc", "op": "linear", "attributes": {"in_features": 36, "out_features": CLASSES}},
        ],
    }
    with open(os.path.join(model_dir, "model.json"), "w") as f:
        json.dump(desc, f, indent=2)
        f.write("\n")
    np.save(os.path.join(model_dir, "conv1.weight.npy"), conv_w)
    np.save(os.path.join(model_dir, "conv1.bias.npy"), conv_b)
    np.save(os.path.join(model_dir, "fc.weight.npy"), fc_w)
    np.save(os.path.join(model_dir, "fc.bias.npy"), fc_b)
    for s in ("validation", "test"):
        np.save(os.path.join(data_dir, f"x_{s}.npy"), data[s][0])
        np.save(os.path.join(data_dir, f"y_{s}.npy"), data[s][1])


if __name__ == "__main__":
    main()
