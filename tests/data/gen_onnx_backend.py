#!/usr/bin/python3
"""Generates tests/data/onnx/backend/: ONNX backend tests in ONNX's own layout (model.onnx +
test_data_set_0/{input,output}_0.pb) for op types whose tests in libonnx-testdata use inputs of a
rank mixprec's graph does not hold ((3, 4, 5): per sample (4, 5)). Same ops, same attribute values,
expected outputs from the NumPy formulas of ONNX's backend test definitions
(onnx/backend/test/case/node/*.py), on a (batch, C, H, W) or (batch, features) input.

Run with Debian's interpreter: /usr/bin/python3 tests/data/gen_onnx_backend.py
"""
import os
import subprocess
import sys

try:
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto
except ImportError:
    subprocess.check_call(["apt-get", "install", "-y", "python3-numpy", "python3-onnx"])
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper, TensorProto

print("python", sys.version.split()[0], "onnx", onnx.__version__, "numpy", np.__version__)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "onnx", "backend")
rng = np.random.RandomState(0)


def save(name, nodes, x, y, inits=(), opset=13):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N"] + list(x.shape[1:]))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N"] + list(np.shape(y)[1:]))],
        initializer=[numpy_helper.from_array(np.asarray(v), k) for k, v in inits])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="mixprec tests")
    onnx.checker.check_model(model)
    d = os.path.join(OUT, "test_" + name)
    os.makedirs(os.path.join(d, "test_data_set_0"), exist_ok=True)
    onnx.save(model, os.path.join(d, "model.onnx"))
    for kind, v in (("input", x), ("output", y)):
        t = numpy_helper.from_array(np.asarray(v, dtype=np.float32))
        with open(os.path.join(d, "test_data_set_0", kind + "_0.pb"), "wb") as f:
            f.write(t.SerializeToString())


x4 = rng.randn(2, 3, 4, 5).astype(np.float32)
x2 = rng.randn(3, 7).astype(np.float32)
N = helper.make_node

save("leakyrelu_4d", [N("LeakyRelu", ["x"], ["y"], alpha=0.1)], x4,
     np.clip(x4, 0, np.inf) + np.clip(x4, -np.inf, 0) * 0.1, opset=6)
save("leakyrelu_default_4d", [N("LeakyRelu", ["x"], ["y"])], x4,
     np.clip(x4, 0, np.inf) + np.clip(x4, -np.inf, 0) * 0.01, opset=16)
save("clip_4d", [N("Clip", ["x", "lo", "hi"], ["y"])], x4, np.clip(x4, -1.0, 1.0),
     inits=[("lo", np.float32(-1.0)), ("hi", np.float32(1.0))])
save("clip_relu6_4d", [N("Clip", ["x", "lo", "hi"], ["y"])], 4 * x4, np.clip(4 * x4, 0.0, 6.0),
     inits=[("lo", np.float32(0.0)), ("hi", np.float32(6.0))])
save("clip_default_min_4d", [N("Clip", ["x", "", "hi"], ["y"])], x4, np.clip(x4, -np.inf, 0.0),
     inits=[("hi", np.float32(0.0))])
save("clip_attributes_opset6", [N("Clip", ["x"], ["y"], min=-0.5, max=0.5)], x4, np.clip(x4, -0.5, 0.5), opset=6)
save("sigmoid_2d", [N("Sigmoid", ["x"], ["y"])], x2, 1.0 / (1.0 + np.exp(np.negative(x2))))
save("tanh_2d", [N("Tanh", ["x"], ["y"])], x2, np.tanh(x2))
save("hardsigmoid_4d", [N("HardSigmoid", ["x"], ["y"], alpha=0.5, beta=0.6)], x4, np.clip(x4 * 0.5 + 0.6, 0, 1))
save("hardsigmoid_default_4d", [N("HardSigmoid", ["x"], ["y"])], x4, np.clip(x4 * 0.2 + 0.5, 0, 1))
save("hardswish_4d", [N("HardSwish", ["x"], ["y"])], 4 * x4,
     4 * x4 * np.maximum(0, np.minimum(1, 4 * x4 / 6 + 0.5)), opset=14)


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


save("softmax_2d", [N("Softmax", ["x"], ["y"])], x2, softmax(x2, -1))
save("softmax_axis1_4d", [N("Softmax", ["x"], ["y"], axis=1)], x4, softmax(x4, 1))
save("softmax_default_axis_4d", [N("Softmax", ["x"], ["y"])], x4, softmax(x4, 3))
save("softmax_axis1_opset11", [N("Softmax", ["x"], ["y"], axis=1)], x4,
     softmax(x4.reshape(2, -1), 1).reshape(x4.shape), opset=11)
save("mul_4d", [N("Relu", ["x"], ["r"]), N("Mul", ["x", "r"], ["y"])], x4, x4 * np.maximum(x4, 0))
save("mul_scalar_constant_4d", [N("Constant", [], ["c"], value=numpy_helper.from_array(np.float32(0.75))),
                                N("Mul", ["x", "c"], ["y"])], x4, x4 * np.float32(0.75))
save("add_4d", [N("Relu", ["x"], ["r"]), N("Add", ["x", "r"], ["y"])], x4, x4 + np.maximum(x4, 0))
save("concat_axis1_4d", [N("Relu", ["x"], ["r"]), N("Concat", ["x", "r"], ["y"], axis=1)], x4,
     np.concatenate([x4, np.maximum(x4, 0)], axis=1))
save("concat_axis3_4d", [N("Relu", ["x"], ["r"]), N("Concat", ["r", "x", "r"], ["y"], axis=-1)], x4,
     np.concatenate([np.maximum(x4, 0), x4, np.maximum(x4, 0)], axis=3))
save("identity_4d", [N("Relu", ["x"], ["r"]), N("Identity", ["r"], ["y"])], x4, np.maximum(x4, 0))
save("dropout_4d", [N("Relu", ["x"], ["r"]), N("Dropout", ["r"], ["y"], seed=0)], x4, np.maximum(x4, 0), opset=12)
save("reshape_4d", [N("Reshape", ["x", "s"], ["y"])], x4, x4.reshape(2, 6, 2, 5), inits=[("s", np.array([-1, 6, 2, 5]))])
save("reshape_to_2d", [N("Reshape", ["x", "s"], ["y"])], x4, x4.reshape(2, 12, 5), inits=[("s", np.array([0, 12, 5]))])
save("squeeze_after_pool", [N("GlobalAveragePool", ["x"], ["p"]), N("Squeeze", ["p", "ax"], ["y"])], x4,
     np.mean(x4, axis=(2, 3)), inits=[("ax", np.array([2, 3]))])
save("unsqueeze_2d", [N("Unsqueeze", ["x", "ax"], ["y"])], x2, x2.reshape(3, 7, 1, 1), inits=[("ax", np.array([2, 3]))])
# x.view(x.size(0), -1) as torch.onnx.export writes it: shape arithmetic on constants.
save("reshape_from_shape", [N("Shape", ["x"], ["s"]), N("Gather", ["s", "i0"], ["n"], axis=0),
                            N("Cast", ["n"], ["nc"], to=TensorProto.INT64), N("Unsqueeze", ["nc", "ax0"], ["n1"]),
                            N("Concat", ["n1", "m1"], ["t"], axis=0), N("Reshape", ["x", "t"], ["y"])], x4,
     x4.reshape(2, -1), inits=[("i0", np.array(0)), ("ax0", np.array([0])), ("m1", np.array([-1]))])
save("flatten_4d", [N("Flatten", ["x"], ["y"], axis=1)], x4, x4.reshape(2, -1))


def bn(x, s, b, m, v, eps):
    dims = (1, -1, 1, 1)
    return s.reshape(dims) * (x - m.reshape(dims)) / np.sqrt(v.reshape(dims) + eps) + b.reshape(dims)


s, b = rng.randn(3).astype(np.float32), rng.randn(3).astype(np.float32)
m, v = rng.randn(3).astype(np.float32), rng.rand(3).astype(np.float32)
save("batchnorm_epsilon_4d", [N("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], epsilon=1e-2)], x4,
     bn(x4, s, b, m, v, 1e-2), inits=[("s", s), ("b", b), ("m", m), ("v", v)], opset=15)
print("wrote", OUT)
