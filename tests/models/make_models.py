#!/usr/bin/python3
"""Build the small ONNX test models for nnmeter-tui and their expectations.

Usage: /usr/bin/python3 tests/models/make_models.py OUTDIR

Why: nnmeter-tui infers shapes and counts FLOPs/params itself (in C).  These
models cover the architectures and operator variants that real exporters
produce (ResNet, MobileNetV2, SE, transformer encoder, PyTorch's
Shape->Gather->Unsqueeze->Concat->Reshape idiom, dynamic dims, opset-specific
attribute-vs-input forms).  For every OUTDIR/NAME.onnx we also write
OUTDIR/NAME.expect.json holding what the binary must report:

  input_flags  argv fragment (["--input", "x=2x3x32x32", ...]) that fixes the
               dynamic dims; the expectations use exactly these values
  inputs       [{"name", "shape"}] non-initializer graph inputs, fixed shapes
  nodes        one entry per node in file order:
                 op, name (may be "" - the binary invents one), outputs
                 [{"name", "shape"}] (empty optional outputs omitted),
                 params (element count of the node's initializer inputs),
                 flops (only for Conv, ConvTranspose, Gemm, MatMul)
  totals       {"flops": sum of the node flops above, "params": sum of params}
  folded       tensors whose shape onnx 1.12 could NOT infer and that this
               script computed by folding the constant shape sub-graph (see
               fold_shapes); everything else is onnx.shape_inference output.

Shapes come from onnx.shape_inference.infer_shapes(strict_mode=True,
data_prop=True) run on a copy of the model whose dynamic input dims are
replaced by the concrete --input values.  FLOPs come from the formulas in
the nnmeter-tui contract (multiply-add = 2), computed here independently.

Every model passes onnx.checker.check_model(full_check=True); the script
fails loudly if one does not, or if any expected shape is not fully known.
Deterministic: numpy seed fixed per model.  Needs onnx 1.12 + numpy (test-time
only; use /usr/bin/python3, the pyenv python3 has no onnx).
"""

import json
import math
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
INT64 = TensorProto.INT64
INT64_MAX = 2**63 - 1


# --------------------------------------------------------------------------
# Tiny graph builder
# --------------------------------------------------------------------------
class Builder:
    """Collects nodes/initializers; tensor names are generated unless given."""

    def __init__(self, name, opset, seed=0, named_nodes=False, extra_opsets=None):
        self.name = name
        self.opset = opset
        self.extra_opsets = extra_opsets or {}
        self.rng = np.random.default_rng(seed)
        self.nodes = []
        self.inits = []
        self.init_names = set()
        self.inputs = []          # ValueInfoProto, possibly with dim_param
        self.concrete = {}        # input name -> concrete shape for --input
        self.named_nodes = named_nodes
        self.n = 0
        self.ir_version = None
        self.inits_as_inputs = False
        self.output_shapes = {}   # graph output name -> declared shape

    def _tname(self, hint):
        self.n += 1
        return "%s_%d" % (hint, self.n)

    # graph inputs -------------------------------------------------------
    def input(self, name, shape, dtype=FLOAT, concrete=None):
        """shape may hold strings (dim_param); concrete gives --input values."""
        self.inputs.append(helper.make_tensor_value_info(name, dtype, shape))
        if any(isinstance(d, str) for d in shape):
            assert concrete is not None and len(concrete) == len(shape)
            self.concrete[name] = list(concrete)
        return name

    # initializers -------------------------------------------------------
    def const(self, arr, hint="c"):
        name = self._tname(hint)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        self.init_names.add(name)
        return name

    def i64(self, values, hint="k"):
        return self.const(np.array(values, dtype=np.int64), hint)

    def f32(self, values, hint="k"):
        return self.const(np.array(values, dtype=np.float32), hint)

    def weight(self, shape, hint="w", scale=0.1):
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32), hint)

    # nodes --------------------------------------------------------------
    def op(self, op_type, inputs, n_out=1, name=None, domain="", out_names=None, **attrs):
        outs = out_names or [self._tname(op_type.lower()) for _ in range(n_out)]
        if name is None:
            name = ("%s_%d" % (op_type, len(self.nodes))) if self.named_nodes else ""
        self.nodes.append(helper.make_node(op_type, list(inputs), outs, name=name,
                                           domain=domain or None, **attrs))
        return outs[0] if n_out == 1 and out_names is None else outs

    # composite helpers ----------------------------------------------------
    def conv(self, x, cin, cout, k, stride=1, pad=None, group=1, dilation=1, bias=True, **extra):
        kh, kw = (k, k) if isinstance(k, int) else k
        w = self.weight([cout, cin // group, kh, kw], "conv_w")
        ins = [x, w]
        if bias:
            ins.append(self.weight([cout], "conv_b"))
        attrs = dict(kernel_shape=[kh, kw], group=group, **extra)
        if "auto_pad" not in extra:
            if pad is None:
                pad = [kh // 2 * dilation, kw // 2 * dilation] * 2
            elif isinstance(pad, int):
                pad = [pad] * 4
            attrs["pads"] = pad
        attrs["strides"] = [stride, stride] if isinstance(stride, int) else stride
        attrs["dilations"] = [dilation, dilation] if isinstance(dilation, int) else dilation
        return self.op("Conv", ins, **attrs)

    def bn(self, x, c):
        scale = self.const((1 + 0.1 * self.rng.standard_normal(c)).astype(np.float32), "bn_s")
        b = self.weight([c], "bn_b")
        mean = self.weight([c], "bn_m")
        var = self.const((1 + 0.1 * self.rng.random(c)).astype(np.float32), "bn_v")
        return self.op("BatchNormalization", [x, scale, b, mean, var], epsilon=1e-5)

    def conv_bn(self, x, cin, cout, k, stride=1, group=1, relu=True):
        y = self.bn(self.conv(x, cin, cout, k, stride=stride, group=group, bias=False), cout)
        return self.op("Relu", [y]) if relu else y

    # finish -------------------------------------------------------------
    def build(self):
        """Graph outputs = every node output nobody consumes."""
        consumed = {i for n in self.nodes for i in n.input}
        produced = [o for n in self.nodes for o in n.output if o]
        outs = [o for o in produced if o not in consumed]
        opsets = [helper.make_opsetid("", self.opset)]
        opsets += [helper.make_opsetid(d, v) for d, v in self.extra_opsets.items()]
        inputs = list(self.inputs)
        if self.inits_as_inputs:  # old-exporter style: initializers listed as inputs
            inputs += [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                       for t in self.inits]

        # pass 1: find the element types of the outputs
        g = helper.make_graph(self.nodes, self.name, inputs,
                              [onnx.ValueInfoProto(name=o) for o in outs], self.inits)
        m = helper.make_model(g, opset_imports=opsets, producer_name="nnmeter-tui-tests")
        inf = onnx.shape_inference.infer_shapes(m)
        # the checker wants a shape on graph outputs: keep what onnx inferred
        # (may hold symbolic / unknown dims for the dynamic models)
        out_vis = list(inf.graph.output)
        for vi in out_vis:
            if vi.name in self.output_shapes:  # declared like an exporter would
                vi.CopyFrom(helper.make_tensor_value_info(
                    vi.name, vi.type.tensor_type.elem_type, self.output_shapes[vi.name]))
            if not vi.type.tensor_type.HasField("shape"):
                raise RuntimeError("%s: no inferred shape for output %s" % (self.name, vi.name))

        g = helper.make_graph(self.nodes, self.name, inputs, out_vis, self.inits)
        m = helper.make_model(g, opset_imports=opsets, producer_name="nnmeter-tui-tests")
        if self.ir_version is not None:
            m.ir_version = self.ir_version
        onnx.checker.check_model(m, full_check=True)
        return m


# --------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------
def dims_of(vi):
    """ValueInfo -> list of ints (-1 unknown) or None (unknown rank)."""
    tt = vi.type.tensor_type
    if not tt.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") else -1 for d in tt.shape.dim]


def fixed_copy(model, concrete):
    """Copy of model with the dynamic input dims replaced by concrete values."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    for vi in m.graph.input:
        if vi.name in concrete:
            for d, v in zip(vi.type.tensor_type.shape.dim, concrete[vi.name]):
                d.Clear()
                d.dim_value = int(v)
    return m


def collect_shapes(m):
    shapes = {}
    for t in m.graph.initializer:
        shapes[t.name] = list(t.dims)
    for vi in list(m.graph.input) + list(m.graph.value_info) + list(m.graph.output):
        s = dims_of(vi)
        if s is not None or vi.name not in shapes:
            shapes[vi.name] = s
    return shapes


def known(s):
    return s is not None and all(d >= 0 for d in s)


def fold_shapes(m, shapes):
    """onnx 1.12's data propagation cannot see through Gather, so a Reshape
    fed by Shape->Gather->Unsqueeze->Concat stays unknown.  Evaluate such
    small integer sub-graphs with numpy and return {tensor: shape} for
    Reshape/Expand/ConstantOfShape outputs that inference left unknown."""
    vals = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    result = {}
    for n in m.graph.node:
        ins = [vals.get(i) if i else None for i in n.input]
        a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
        try:
            if n.op_type == "Constant" and "value" in a:
                vals[n.output[0]] = numpy_helper.to_array(a["value"])
            elif n.op_type == "Shape" and known(shapes.get(n.input[0])):
                vals[n.output[0]] = np.array(shapes[n.input[0]], dtype=np.int64)
            elif n.op_type == "Gather" and ins[0] is not None and ins[1] is not None:
                vals[n.output[0]] = np.take(ins[0], ins[1], axis=a.get("axis", 0))
            elif n.op_type == "Unsqueeze" and ins[0] is not None:
                axes = a.get("axes") if "axes" in a else ins[1]
                if axes is not None:
                    vals[n.output[0]] = np.expand_dims(ins[0], tuple(int(x) for x in axes))
            elif n.op_type == "Concat" and all(v is not None for v in ins):
                vals[n.output[0]] = np.concatenate(ins, axis=a["axis"])
            elif n.op_type in ("Identity", "Cast") and ins[0] is not None:
                vals[n.output[0]] = ins[0]
        except Exception:  # noqa: BLE001 - folding is best effort
            pass
        out = n.output[0] if n.output else ""
        if not out or known(shapes.get(out)):
            continue
        if n.op_type == "Reshape" and known(shapes.get(n.input[0])) and ins[1] is not None:
            src = shapes[n.input[0]]
            tgt = [src[i] if v == 0 else int(v) for i, v in enumerate(ins[1])]
            if -1 in tgt:
                rest = math.prod(d for d in tgt if d != -1)
                tgt[tgt.index(-1)] = math.prod(src) // rest
            result[out] = tgt
        elif n.op_type == "Expand" and known(shapes.get(n.input[0])) and ins[1] is not None:
            result[out] = list(np.broadcast_shapes(tuple(shapes[n.input[0]]), tuple(int(v) for v in ins[1])))
        elif n.op_type == "ConstantOfShape" and ins[0] is not None:
            result[out] = [int(v) for v in ins[0]]
    return result


def infer_fixed(model, concrete):
    """Strict onnx inference on the fixed copy, plus folding until fixpoint."""
    m = fixed_copy(model, concrete)
    folded = {}
    for _ in range(20):
        inf = onnx.shape_inference.infer_shapes(m, strict_mode=True, data_prop=True)
        shapes = collect_shapes(inf)
        new = fold_shapes(inf, shapes)
        if not new:
            return shapes, folded
        for name, shp in new.items():
            folded[name] = shp
            targets = [o for o in m.graph.output if o.name == name]
            if targets:
                vi = targets[0]
                vi.type.tensor_type.ClearField("shape")
                vi.type.tensor_type.shape.SetInParent()
                for d in shp:
                    vi.type.tensor_type.shape.dim.add().dim_value = d
            else:
                et = {v.name: v.type.tensor_type.elem_type for v in inf.graph.value_info}.get(name, FLOAT)
                m.graph.value_info.append(helper.make_tensor_value_info(name, et, shp))
    raise RuntimeError("shape folding did not converge")


def node_flops(n, shapes):
    """Contract formulas; None for ops whose flops we do not pin down."""
    a = {at.name: helper.get_attribute_value(at) for at in n.attribute}
    has_bias = len(n.input) > 2 and n.input[2] != ""
    if n.op_type == "Conv":
        x, w, y = shapes[n.input[0]], shapes[n.input[1]], shapes[n.output[0]]
        N, Cout, out_sp = y[0], y[1], math.prod(y[2:])
        f = 2 * N * Cout * out_sp * w[1] * math.prod(w[2:])  # w[1] = Cin/groups
        return f + (N * Cout * out_sp if has_bias else 0)
    if n.op_type == "ConvTranspose":
        x, w, y = shapes[n.input[0]], shapes[n.input[1]], shapes[n.output[0]]
        N, Cin, in_sp = x[0], x[1], math.prod(x[2:])
        f = 2 * N * Cin * in_sp * w[1] * math.prod(w[2:])  # w[1] = Cout/groups
        return f + (N * y[1] * math.prod(y[2:]) if has_bias else 0)
    if n.op_type == "Gemm":
        A, B = shapes[n.input[0]], shapes[n.input[1]]
        M, K = (A[1], A[0]) if a.get("transA", 0) else (A[0], A[1])
        Nn = B[0] if a.get("transB", 0) else B[1]
        return 2 * M * Nn * K + (M * Nn if has_bias else 0)
    if n.op_type == "MatMul":
        A, B = shapes[n.input[0]], shapes[n.input[1]]
        M, K = (1, A[0]) if len(A) == 1 else (A[-2], A[-1])
        Nn = 1 if len(B) == 1 else B[-1]
        batch = math.prod(np.broadcast_shapes(tuple(A[:-2]), tuple(B[:-2])))
        return 2 * batch * M * Nn * K
    return None


def expectations(model, concrete, fname):
    shapes, folded = infer_fixed(model, concrete)
    g = model.graph
    inits = {t.name: math.prod(t.dims) for t in g.initializer}
    flags = []
    for name, shp in concrete.items():
        flags += ["--input", "%s=%s" % (name, "x".join(str(d) for d in shp))]
    exp = {"model": fname, "input_flags": flags, "inputs": [], "nodes": [],
           "totals": {"flops": 0, "params": 0}, "folded": sorted(folded)}
    for vi in g.input:
        if vi.name not in inits:
            exp["inputs"].append({"name": vi.name, "shape": shapes[vi.name]})
    bad = []
    for idx, n in enumerate(g.node):
        outs = []
        for o in n.output:
            if not o:
                continue
            s = shapes.get(o)
            if not known(s):
                bad.append("%s node %d %s output %s shape %s" % (fname, idx, n.op_type, o, s))
            outs.append({"name": o, "shape": s})
        seen = set()
        params = 0
        for i in n.input:
            if i in inits and i not in seen:
                seen.add(i)
                params += inits[i]
        e = {"index": idx, "op": n.op_type, "name": n.name, "inputs": list(n.input),
             "outputs": outs, "params": params}
        f = node_flops(n, shapes)
        if f is not None:
            e["flops"] = int(f)
            exp["totals"]["flops"] += int(f)
        exp["totals"]["params"] += params
        exp["nodes"].append(e)
    if bad:
        raise RuntimeError("expected shapes not fully known:\n  " + "\n  ".join(bad))
    return exp


# --------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------
def basic_block(b, x, cin, cout, stride):
    y = b.conv_bn(x, cin, cout, 3, stride)
    y = b.conv_bn(y, cout, cout, 3, 1, relu=False)
    sc = x
    if stride != 1 or cin != cout:  # downsample projection
        sc = b.conv_bn(x, cin, cout, 1, stride, relu=False)
    return b.op("Relu", [b.op("Add", [y, sc])])


def bottleneck(b, x, cin, mid, cout, stride):
    y = b.conv_bn(x, cin, mid, 1)
    y = b.conv_bn(y, mid, mid, 3, stride)
    y = b.conv_bn(y, mid, cout, 1, relu=False)
    sc = x
    if stride != 1 or cin != cout:
        sc = b.conv_bn(x, cin, cout, 1, stride, relu=False)
    return b.op("Relu", [b.op("Add", [y, sc])])


def head(b, x, c, classes=10):
    y = b.op("Flatten", [b.op("GlobalAveragePool", [x])], axis=1)
    return b.op("Gemm", [y, b.weight([classes, c], "fc_w"), b.weight([classes], "fc_b")],
                transB=1)


def m_resnet_basic():
    b = Builder("resnet_basic", 13, seed=1, named_nodes=True)
    x = b.input("input", [1, 3, 32, 32])
    y = b.op("MaxPool", [b.conv_bn(x, 3, 16, 3)], kernel_shape=[2, 2], strides=[2, 2])
    y = basic_block(b, y, 16, 16, 1)
    y = basic_block(b, y, 16, 32, 2)
    head(b, y, 32)
    return b


def m_resnet_bottleneck():
    b = Builder("resnet_bottleneck", 13, seed=2, named_nodes=True)
    x = b.input("input", [1, 64, 16, 16])
    y = bottleneck(b, x, 64, 16, 64, 1)
    y = bottleneck(b, y, 64, 32, 128, 2)
    head(b, y, 128)
    return b


def inverted_residual(b, x, cin, cout, stride, t, relu6):
    hid = cin * t
    y = relu6(b.bn(b.conv(x, cin, hid, 1, bias=False), hid))
    y = relu6(b.bn(b.conv(y, hid, hid, 3, stride=stride, group=hid, bias=False), hid))  # depthwise
    y = b.bn(b.conv(y, hid, cout, 1, bias=False), cout)
    return b.op("Add", [x, y]) if stride == 1 and cin == cout else y


def m_mobilenetv2_clip_attr():
    """Clip-6 style attributes (opset 10)."""
    b = Builder("mobilenetv2_clip_attr", 10, seed=3)
    x = b.input("input", [1, 16, 16, 16])
    relu6 = lambda t: b.op("Clip", [t], min=0.0, max=6.0)  # noqa: E731
    y = inverted_residual(b, x, 16, 16, 1, 6, relu6)
    y = inverted_residual(b, y, 16, 24, 2, 6, relu6)
    head(b, y, 24)
    return b


def m_mobilenetv2_clip_input():
    """Clip-13 with min/max as (scalar) inputs; one Clip omits min ('')."""
    b = Builder("mobilenetv2_clip_input", 13, seed=4)
    x = b.input("input", [1, 16, 16, 16])
    lo, hi = b.f32(0.0, "clip_min"), b.f32(6.0, "clip_max")
    # expand (BN folded into conv bias as in real exports)
    y = b.op("Clip", [b.conv(x, 16, 96, 1), lo, hi])
    y = b.op("Clip", [b.conv(y, 96, 96, 3, group=96), lo, hi])  # depthwise
    y = b.conv(y, 96, 16, 1)
    y = b.op("Add", [x, y])
    y = b.op("Clip", [b.conv(y, 16, 96, 1), "", hi])  # min omitted
    y = b.op("Clip", [b.conv(y, 96, 96, 3, stride=2, group=96), lo, hi])
    y = b.conv(y, 96, 32, 1)
    head(b, y, 32)
    return b


def m_grouped_conv():
    b = Builder("grouped_conv", 13, seed=5)
    x = b.input("input", [1, 16, 20, 20])
    # asymmetric pads [top,left,bottom,right], dilations, unequal strides
    y = b.conv(x, 16, 32, 3, stride=[1, 2], pad=[1, 2, 1, 0], group=4, dilation=2)
    y = b.op("Relu", [y])
    y = b.conv(y, 32, 32, (3, 5), stride=2, pad=[0, 2, 1, 2], group=4, dilation=[1, 2], bias=False)
    return b


def m_grouped_conv_autopad():
    b = Builder("grouped_conv_autopad", 13, seed=6)
    x = b.input("input", [1, 8, 15, 17])
    y = b.conv(x, 8, 16, 3, stride=2, group=4, auto_pad="SAME_UPPER")
    y = b.conv(y, 16, 16, 4, stride=1, group=4, auto_pad="SAME_LOWER", bias=False)
    y = b.conv(y, 16, 8, 2, stride=2, group=2, auto_pad="VALID")
    return b


def se(b, x, c, r, gate):
    s = b.op("GlobalAveragePool", [x])
    s = b.op("Relu", [b.conv(s, c, c // r, 1, pad=0)])
    s = b.conv(s, c // r, c, 1, pad=0)
    s = b.op("Sigmoid", [s]) if gate == "sigmoid" else b.op("HardSigmoid", [s], alpha=1 / 6, beta=0.5)
    return b.op("Mul", [x, s])  # [N,C,H,W] * [N,C,1,1]


def m_se_block():
    b = Builder("se_block", 13, seed=7)
    x = b.input("input", [1, 32, 16, 16])
    y = b.op("Relu", [b.conv(x, 32, 32, 3)])
    y = se(b, y, 32, 4, "sigmoid")
    y = b.op("Relu", [b.conv(y, 32, 32, 3, stride=2)])
    se(b, y, 32, 4, "hardsigmoid")
    return b


def m_transformer():
    """One encoder layer: MHSA + FFN; fused LayerNormalization (opset 17)
    after attention, decomposed LayerNorm after the FFN; Erf-form GELU."""
    S, D, H = 8, 32, 4
    dh = D // H
    b = Builder("transformer_encoder", 17, seed=8)
    x = b.input("x", [1, S, D])

    def linear(t, din, dout):
        return b.op("Add", [b.op("MatMul", [t, b.weight([din, dout], "lin_w")]),
                            b.weight([dout], "lin_b")])

    q = b.op("Reshape", [linear(x, D, D), b.i64([0, 0, H, dh], "shape_q")])   # 0 = copy
    k = b.op("Reshape", [linear(x, D, D), b.i64([1, -1, H, dh], "shape_k")])  # -1 = infer
    v = b.op("Reshape", [linear(x, D, D), b.i64([1, S, H, dh], "shape_v")])
    q = b.op("Transpose", [q], perm=[0, 2, 1, 3])  # [1,H,S,dh]
    k = b.op("Transpose", [k], perm=[0, 2, 3, 1])  # [1,H,dh,S]
    v = b.op("Transpose", [v], perm=[0, 2, 1, 3])
    att = b.op("MatMul", [q, k])                    # [1,H,S,S]
    att = b.op("Div", [att, b.f32(math.sqrt(dh), "sqrt_dh")])
    att = b.op("Softmax", [att], axis=-1)
    ctx = b.op("MatMul", [att, v])                  # [1,H,S,dh]
    ctx = b.op("Transpose", [ctx], perm=[0, 2, 1, 3])
    ctx = b.op("Reshape", [ctx, b.i64([0, 0, D], "shape_o")])
    y = b.op("Add", [x, linear(ctx, D, D)])
    y = b.op("LayerNormalization", [y, b.weight([D], "ln_g"), b.weight([D], "ln_b")], n_out=3,
             axis=-1, epsilon=1e-5)[0]  # also Mean and InvStdDev outputs
    # FFN with GELU(x) = x * 0.5 * (1 + erf(x / sqrt(2)))
    h = linear(y, D, 4 * D)
    g = b.op("Erf", [b.op("Div", [h, b.f32(math.sqrt(2.0), "sqrt2")])])
    g = b.op("Mul", [b.op("Mul", [h, b.op("Add", [g, b.f32(1.0, "one")])]), b.f32(0.5, "half")])
    z = b.op("Add", [y, linear(g, 4 * D, D)])
    # decomposed LayerNorm (what older exporters emit)
    mu = b.op("ReduceMean", [z], axes=[-1], keepdims=1)
    d = b.op("Sub", [z, mu])
    var = b.op("ReduceMean", [b.op("Pow", [d, b.f32(2.0, "two")])], axes=[-1], keepdims=1)
    den = b.op("Sqrt", [b.op("Add", [var, b.f32(1e-5, "eps")])])
    n = b.op("Div", [d, den])
    b.op("Add", [b.op("Mul", [n, b.weight([D], "ln2_g")]), b.weight([D], "ln2_b")])
    return b


def m_reshape_shape_subgraph():
    """torch.flatten(x, 1) / x.view(x.size(0), -1) as PyTorch exports it
    with a dynamic batch: Shape -> Gather(Constant scalar 0) ->
    Unsqueeze(axes [0]) -> Concat(., Constant [-1]) -> Reshape."""
    b = Builder("reshape_shape_subgraph", 13, seed=9, named_nodes=True)
    x = b.input("x", ["batch", 8, 6, 6], concrete=[3, 8, 6, 6])
    y = b.op("Relu", [b.conv(x, 8, 4, 3)])
    s = b.op("Shape", [y])
    idx = b.op("Constant", [], value=numpy_helper.from_array(np.array(0, dtype=np.int64)))
    g = b.op("Gather", [s, idx], axis=0)
    ax = b.op("Constant", [], value=numpy_helper.from_array(np.array([0], dtype=np.int64)))
    u = b.op("Unsqueeze", [g, ax])
    m1 = b.op("Constant", [], value=numpy_helper.from_array(np.array([-1], dtype=np.int64)))
    c = b.op("Concat", [u, m1], axis=0)
    r = b.op("Reshape", [y, c])  # [batch, 144]
    o = b.op("Gemm", [r, b.weight([10, 144], "fc_w"), b.weight([10], "fc_b")], transB=1)
    b.output_shapes[o] = ["batch", 10]  # onnx 1.12 cannot infer it (see fold_shapes)
    return b


def m_dynamic_batch():
    b = Builder("dynamic_batch", 13, seed=10)
    x = b.input("input", ["batch", 3, 32, 32], concrete=[2, 3, 32, 32])
    y = b.op("Relu", [b.conv(x, 3, 8, 3, stride=2)])
    y = b.op("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = b.op("Relu", [b.conv(y, 8, 16, 3)])
    head(b, y, 16)
    return b


def m_dynamic_hw():
    b = Builder("dynamic_hw", 13, seed=11)
    x = b.input("input", [1, 3, "height", "width"], concrete=[1, 3, 40, 48])
    y = b.op("Relu", [b.conv(x, 3, 8, 3, stride=2)])
    y = b.op("Relu", [b.conv(y, 8, 8, 3, group=8)])
    y = b.conv(y, 8, 16, 1, pad=0)
    head(b, y, 16)
    return b


def m_pooling():
    b = Builder("pooling", 13, seed=12)
    x = b.input("input", [1, 4, 16, 15])
    # ceil_mode: H: (16+2-3)/2 = 7.5 -> 8+1 = 9 (floor would give 8); W: exact 8
    b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[1, 1], dilations=[2, 2])   # [12,11]
    b.op("MaxPool", [x], kernel_shape=[2, 3], strides=[2, 1], dilations=[2, 1],
         pads=[1, 0, 0, 1])
    b.op("AveragePool", [x], kernel_shape=[3, 3], strides=[1, 1], pads=[1, 1, 1, 1],
         count_include_pad=1)
    b.op("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1,
         count_include_pad=0)                                                        # [8,8]
    b.op("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")  # [8,8]
    b.op("GlobalMaxPool", [x])
    return b


def m_ops_opset11():
    """Attribute forms: Split(split=), Squeeze/Unsqueeze(axes=), ReduceMean."""
    b = Builder("ops_opset11", 11, seed=13)
    x = b.input("x", [2, 6, 4, 5])
    s1, s2 = b.op("Split", [x], n_out=2, axis=1, split=[2, 4])       # [2,2,4,5] [2,4,4,5]
    u = b.op("Unsqueeze", [s1], axes=[0, -1])                         # [1,2,2,4,5,1]
    b.op("Squeeze", [u], axes=[0, -1])                                # [2,2,4,5]
    e1, e2 = b.op("Split", [s2], n_out=2, axis=-2)                    # [2,4,2,5] x2
    b.op("Concat", [e2, e1], axis=2)
    b.op("ReduceMean", [x], axes=[2, 3], keepdims=0)                  # [2,6]
    b.op("Pad", [x, b.i64([0, 0, 1, 1, 0, 0, 2, 0], "pads")], mode="reflect")  # [2,6,7,6]
    return b


def m_ops_shape():
    """Shape-manipulating ops, opset 13 input forms."""
    b = Builder("ops_shape", 13, seed=14)
    x = b.input("x", [1, 8, 6, 6])
    yv = b.input("y", [8, 1])
    s1, s2 = b.op("Split", [x, b.i64([3, 5], "split")], n_out=2, axis=1)   # [1,3,6,6] [1,5,6,6]
    b.op("Concat", [s2, s1], axis=1)                                     # [1,8,6,6]
    h1, h2 = b.op("Split", [x], n_out=2, axis=2)                          # [1,8,3,6] x2
    b.op("Concat", [h1, h2, h1], axis=-1)                                # [1,8,3,18]
    # Slice: axis1 1:8:2 -> 4; axis3 from -1 backwards step -2 -> 3
    b.op("Slice", [x, b.i64([1, -1], "st"), b.i64([8, -1000], "en"), b.i64([1, 3], "ax"),
                   b.i64([2, -2], "sp")])                                 # [1,4,6,3]
    b.op("Slice", [x, b.i64([2], "st"), b.i64([INT64_MAX], "en"), b.i64([-2], "ax")])  # [1,8,4,6]
    b.op("Slice", [x, b.i64([0, -3], "st"), b.i64([1, -1], "en")])        # axes default [0,1]: [1,2,6,6]
    sq = b.op("Squeeze", [x, b.i64([0], "ax")])                          # [8,6,6]
    b.op("Unsqueeze", [sq, b.i64([0, -1], "ax")])                        # [1,8,6,6,1]
    b.op("Squeeze", [b.op("Unsqueeze", [sq, b.i64([1], "ax")])])          # no axes: [8,6,6]
    b.op("Pad", [x, b.i64([0, 0, 1, 2, 0, 0, 3, 4], "pads"), b.f32(0.5, "padv")])  # [1,8,10,12]
    b.op("Pad", [x, b.i64([0, 0, 2, 2, 0, 0, 2, 2], "pads")], mode="edge")         # [1,8,10,10]
    b.op("Resize", [x, "", b.f32([1, 1, 2, 1.5], "scales")], mode="nearest")       # [1,8,12,9]
    b.op("Resize", [x, "", "", b.i64([1, 8, 5, 7], "sizes")], mode="linear")       # [1,8,5,7]
    b.op("Expand", [yv, b.i64([2, 8, 5], "eshape")])                     # [2,8,5]
    b.op("Expand", [x, b.i64([3, 1, 1, 1], "eshape")])                   # [3,8,6,6]
    cond = b.const(b.rng.random([1, 1, 6, 6]) > 0.5, "cond")
    b.op("Where", [cond, x, b.f32(0.0, "zero")])                         # [1,8,6,6]
    b.op("ConstantOfShape", [b.i64([2, 3], "cshape")],
         value=numpy_helper.from_array(np.array([1.0], dtype=np.float32)))  # [2,3]
    b.op("ConstantOfShape", [b.op("Shape", [x])])                        # [1,8,6,6]
    b.op("Gather", [x, b.i64([[0, 2], [1, 3]], "gidx")], axis=1)         # [1,2,2,6,6]
    b.op("Gather", [x, b.i64(5, "gidx")], axis=1)                        # [1,6,6]
    b.op("Flatten", [x], axis=2)                                         # [8,36]
    b.op("Flatten", [x], axis=0)                                         # [1,288]
    b.op("Transpose", [x], perm=[0, 2, 3, 1])                            # [1,6,6,8]
    b.op("Transpose", [x])                                               # [6,6,8,1]
    c = b.op("Cast", [x], to=TensorProto.INT32)
    b.op("Cast", [c], to=TensorProto.FLOAT16)
    b.op("Identity", [x])
    return b


def m_ops_math():
    """Elementwise/reduction/normalisation ops, opset 14 (HardSwish)."""
    b = Builder("ops_math", 14, seed=15)
    x = b.input("x", [1, 8, 6, 6])
    b.op("ReduceMean", [x], axes=[2, 3], keepdims=1)                     # [1,8,1,1]
    b.op("ReduceMean", [x], axes=[1], keepdims=0)                        # [1,6,6]
    b.op("ReduceMean", [x])                                              # [1,1,1,1]
    b.op("ReduceSum", [x, b.i64([1], "rax")], keepdims=0)                # [1,6,6]
    b.op("ReduceSum", [x, b.i64([-1, 2], "rax")])                        # [1,8,1,1]
    b.op("ReduceSum", [x])                                               # [1,1,1,1]
    b.op("Dropout", [x, b.f32(0.1, "ratio")], n_out=2)                  # + bool mask
    b.op("Dropout", [x])
    b.op("PRelu", [x, b.weight([8, 1, 1], "slope")])
    b.op("LeakyRelu", [x], alpha=0.1)
    b.op("HardSwish", [x])
    b.op("Tanh", [x])
    p = b.op("Pow", [x, b.f32(2.0, "two")])
    b.op("Sqrt", [p])
    b.op("Max", [x, b.weight([8, 1, 1], "m"), b.weight([6], "m")])        # [1,8,6,6]
    b.op("Min", [b.weight([6, 1], "m"), b.weight([2, 1, 1, 1], "m")])     # [2,1,6,1]
    b.op("Max", [x])
    b.op("Sub", [x, b.weight([1, 8, 1, 1], "s")])
    b.op("InstanceNormalization", [x, b.weight([8], "in_s"), b.weight([8], "in_b")])
    b.op("Sigmoid", [x])
    return b


def m_ops_linear():
    """ConvTranspose, Gemm transA/transB, MatMul broadcasting (opset 13)."""
    b = Builder("ops_linear", 13, seed=16)
    x = b.input("x", [1, 8, 5, 5])
    a = b.input("a", [16, 4])
    v = b.input("v", [16])
    bt = b.input("bt", [2, 1, 3, 4])
    # out = s*(in-1) + output_padding + (k-1)*d + 1 - pads = 8+1+3-2 = 10
    b.op("ConvTranspose", [x, b.weight([8, 4, 3, 3], "ct_w"), b.weight([4], "ct_b")],
         kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
    b.op("ConvTranspose", [x, b.weight([8, 2, 3, 3], "ct_w")], kernel_shape=[3, 3],
         strides=[2, 2], group=2, output_shape=[10, 10])                 # [1,4,10,10]
    b.op("ConvTranspose", [x, b.weight([8, 3, 2, 2], "ct_w"), b.weight([3], "ct_b")],
         strides=[3, 2], dilations=[2, 1])                                # [1,3,15,10]
    g = b.op("Gemm", [a, b.weight([10, 16], "gw"), b.weight([10], "gb")], transA=1, transB=1)  # [4,10]
    g = b.op("Gemm", [g, b.weight([10, 6], "gw"), b.weight([1, 6], "gb")], alpha=0.5, beta=2.0)  # [4,6]
    b.op("Gemm", [b.weight([4, 5], "ga"), g, b.weight([5, 6], "gc")], transA=1)  # [5,6]
    b.op("Gemm", [g, b.weight([3, 6], "gw")], transB=1)                   # no C: [4,3]
    b.op("MatMul", [v, b.weight([16, 5], "mw")])                        # 1-D x 2-D: [5]
    b.op("MatMul", [b.weight([7, 16], "mw"), v])                        # 2-D x 1-D: [7]
    b.op("MatMul", [bt, b.weight([5, 4, 6], "mw")])                     # [2,5,3,6]
    return b


def m_upsample_opset9():
    """Upsample-9 with a scales input; IR v4 with initializers also listed
    as graph inputs, the way old exporters wrote them."""
    b = Builder("upsample_opset9", 9, seed=17)
    b.ir_version = 4
    b.inits_as_inputs = True
    x = b.input("x", [1, 4, 5, 5])
    y = b.op("Upsample", [x, b.f32([1, 1, 2, 3], "scales")], mode="nearest")  # [1,4,10,15]
    y = b.conv(y, 4, 4, 3)
    b.op("Upsample", [y, b.f32([1, 1, 2, 2], "scales")], mode="linear")       # [1,4,20,30]
    return b


MODELS = [
    m_resnet_basic, m_resnet_bottleneck, m_mobilenetv2_clip_attr, m_mobilenetv2_clip_input,
    m_grouped_conv, m_grouped_conv_autopad, m_se_block, m_transformer,
    m_reshape_shape_subgraph, m_dynamic_batch, m_dynamic_hw, m_pooling,
    m_ops_opset11, m_ops_shape, m_ops_math, m_ops_linear, m_upsample_opset9,
]


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s OUTDIR\n" % argv[0])
        return 1
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    for fn in MODELS:
        b = fn()
        model = b.build()
        fname = b.name + ".onnx"
        path = os.path.join(out, fname)
        onnx.save(model, path)
        size = os.path.getsize(path)
        assert size < 2 * 1024 * 1024, "%s too big (%d bytes)" % (fname, size)
        exp = expectations(model, b.concrete, fname)
        with open(os.path.join(out, b.name + ".expect.json"), "w") as f:
            json.dump(exp, f, indent=1)
            f.write("\n")
        print("%-28s %3d nodes %8d bytes  flops=%d params=%d%s" % (
            fname, len(exp["nodes"]), size, exp["totals"]["flops"], exp["totals"]["params"],
            ("  folded=" + ",".join(exp["folded"])) if exp["folded"] else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
