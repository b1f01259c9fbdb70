#!/usr/bin/python3
"""Small ONNX models for the XNNPACK backend (onnx.helper; /usr/bin/python3).

  xnnpack_models.py pairs DIR [C HW]   nn-Meter's fusion pair test: each op
                                       alone and op1 -> op2 (rules/xnnpack-cpu.rules)
  xnnpack_models.py test DIR           tiny models for tests/scripts/test_xnnpack.sh

Pair models: 1x1 conv C->C (3x3 depthwise for dwconv) on 1xCxHWxHW; the
second operand of add/mul is a second input of the same shape.  Then
  nnmeter-build measure --backend xnnpack --out pairs.jsonl DIR/*.onnx
and per pair: fused when T1 + T2 - T12 > 0.5 * min(T1, T2).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

rng = np.random.default_rng(3)


def init(name, shape):
    return nh.from_array(rng.standard_normal(shape).astype(np.float32) * 0.1, name)


def build(path, ops, shape):
    """ops applied in sequence to an input of `shape` (NCHW, or 2-D/3-D)."""
    nodes, inits = [], []
    inputs = [h.make_tensor_value_info('x', T.FLOAT, shape)]
    cur = 'x'
    for i, op in enumerate(ops):
        y = f't{i}'
        c = shape[1] if len(shape) == 4 else shape[-1]
        if op in ('conv', 'dwconv', 'conv3v'):
            g = c if op == 'dwconv' else 1
            k = 1 if op == 'conv' else 3
            pad = k // 2 if op != 'conv3v' else 0
            inits += [init(f'w{i}', [c, c // g, k, k]), init(f'b{i}', [c])]
            nodes.append(h.make_node('Conv', [cur, f'w{i}', f'b{i}'], [y], group=g,
                                     kernel_shape=[k, k], pads=[pad] * 4))
            if op == 'conv3v':
                shape = [shape[0], c, shape[2] - 2, shape[3] - 2]
        elif op == 'fc':              # 2-D [rows, c] by a c x c weight
            inits += [init(f'w{i}', [c, c]), init(f'b{i}', [c])]
            nodes.append(h.make_node('Gemm', [cur, f'w{i}', f'b{i}'], [y], transB=1))
        elif op == 'bn':
            inits += [init(f'{p}{i}', [c]) for p in 'sbm']
            inits.append(nh.from_array(np.ones(c, np.float32), f'v{i}'))
            nodes.append(h.make_node('BatchNormalization',
                                     [cur] + [f'{p}{i}' for p in 'sbmv'], [y]))
        elif op in ('relu', 'hswish', 'sigmoid'):
            name = {'relu': 'Relu', 'hswish': 'HardSwish', 'sigmoid': 'Sigmoid'}[op]
            nodes.append(h.make_node(name, [cur], [y]))
        elif op == 'relu6':
            inits += [nh.from_array(np.array(0, np.float32), f'lo{i}'),
                      nh.from_array(np.array(6, np.float32), f'hi{i}')]
            nodes.append(h.make_node('Clip', [cur, f'lo{i}', f'hi{i}'], [y]))
        elif op in ('add', 'mul'):
            inputs.append(h.make_tensor_value_info(f'in{i}', T.FLOAT, shape))
            nodes.append(h.make_node(op.capitalize(), [cur, f'in{i}'], [y]))
        elif op in ('maxpool', 'avgpool'):
            name = 'MaxPool' if op == 'maxpool' else 'AveragePool'
            nodes.append(h.make_node(name, [cur], [y], kernel_shape=[3, 3], pads=[1] * 4))
        elif op == 'pad':             # 1 pixel of H and W
            inits.append(nh.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64), f'p{i}'))
            nodes.append(h.make_node('Pad', [cur, f'p{i}'], [y]))
            shape = [shape[0], c, shape[2] + 2, shape[3] + 2]
        elif op == 'reshape':         # to [N, rest]
            inits.append(nh.from_array(np.array([shape[0], -1], np.int64), f'r{i}'))
            nodes.append(h.make_node('Reshape', [cur, f'r{i}'], [y]))
            shape = [shape[0], int(np.prod(shape[1:]))]
        elif op == 'layernorm':       # opset 17; XNNPACK of 2022 has none
            inits += [init(f'g{i}', [shape[-1]]), init(f'b{i}', [shape[-1]])]
            nodes.append(h.make_node('LayerNormalization', [cur, f'g{i}', f'b{i}'], [y],
                                     axis=-1))
        elif op == 'concat':          # with itself, along channels
            nodes.append(h.make_node('Concat', [cur, cur], [y], axis=1))
            shape = [shape[0], 2 * c] + shape[2:]
        else:
            raise ValueError(op)
        cur = y
    graph = h.make_graph(nodes, path.rsplit('/', 1)[-1][:-5], inputs,
                         [h.make_tensor_value_info(cur, T.FLOAT, shape)], inits)
    model = h.make_model(graph, opset_imports=[h.make_opsetid('', 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def pairs(out, c, hw):
    img = [1, c, hw, hw]
    pair_list = [('conv', 'relu'), ('conv', 'relu6'), ('conv', 'bn'), ('conv', 'add'),
                 ('conv', 'hswish'), ('conv', 'sigmoid'), ('dwconv', 'relu'),
                 ('dwconv', 'add'), ('add', 'relu'), ('add', 'relu6'), ('mul', 'relu'),
                 ('maxpool', 'relu'), ('avgpool', 'relu'), ('bn', 'relu'), ('pad', 'conv3v')]
    for op in sorted({o for p in pair_list for o in p}):
        build(f'{out}/{op}.onnx', [op], img)
    for a, b in pair_list:
        build(f'{out}/{a}_{b}.onnx', [a, b], img)
    rows = [hw * hw, c]
    build(f'{out}/fc.onnx', ['fc'], rows)
    build(f'{out}/relu_2d.onnx', ['relu'], rows)
    build(f'{out}/fc_relu.onnx', ['fc', 'relu'], rows)
    seq = [1, hw * hw, c]             # reshape is a copy in XNNPACK: not free
    build(f'{out}/relu_relu_3d.onnx', ['relu', 'relu'], seq)
    build(f'{out}/relu_reshape_relu_3d.onnx', ['relu', 'reshape', 'relu'], seq)


def test_models(out):
    img = [1, 8, 16, 16]
    build(f'{out}/conv_bn_relu.onnx', ['conv', 'bn', 'relu'], img)
    build(f'{out}/conv_add_relu.onnx', ['dwconv', 'add', 'relu', 'maxpool'], img)
    build(f'{out}/layernorm.onnx', ['conv', 'layernorm'], img)
    build(f'{out}/concat.onnx', ['conv', 'concat', 'relu'], img)


if __name__ == '__main__':
    if len(sys.argv) >= 3 and sys.argv[1] == 'pairs':
        c, hw = (int(sys.argv[3]), int(sys.argv[4])) if len(sys.argv) >= 5 else (16, 112)
        pairs(sys.argv[2], c, hw)
    elif len(sys.argv) == 3 and sys.argv[1] == 'test':
        test_models(sys.argv[2])
    else:
        sys.exit(__doc__)
