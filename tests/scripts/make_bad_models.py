#!/usr/bin/python3
"""Write malformed / hostile model files that nnmeter-tui must reject
cleanly (exit 2, one line on stderr) or at least survive without a crash,
hang, sanitizer report or wrapped-around numbers.

Usage: /usr/bin/python3 tests/scripts/make_bad_models.py OUTDIR
Then:  /usr/bin/python3 tests/scripts/check_bad_models.py BINARY OUTDIR

Most files are written with onnx.save or as raw bytes with the onnx checker
deliberately skipped.  OUTDIR/bad_models.json maps each file to
  {"expect_exit": [allowed exit codes], "why": "..."}
where [2] means "must be rejected" and [0, 2] means "either a clean
rejection or a report is acceptable" (the spec leaves room, e.g. an op from
an unknown domain).  The truncated models are checked here to really fail
protobuf parsing (a cut that happens to fall on a field boundary parses as a
valid, shorter message, so the cut is moved until it does not).
"""

import json
import os
import sys
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT = TensorProto.FLOAT
ANY4 = [None] * 4  # declared output shape: rank 4, dims unknown


def vi(name, shape, dtype=FLOAT):
    return helper.make_tensor_value_info(name, dtype, shape)


def model_of(nodes, inputs, outputs, inits=(), opsets=(("", 13),)):
    g = helper.make_graph(nodes, "bad", inputs, outputs, list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
                             producer_name="nnmeter-tui-tests")


def valid_model():
    """A small, valid conv net (checked) used for the truncation cases."""
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal([8, 3, 3, 3]).astype(np.float32), "w1")
    b1 = numpy_helper.from_array(rng.standard_normal([8]).astype(np.float32), "b1")
    w2 = numpy_helper.from_array(rng.standard_normal([10, 8]).astype(np.float32), "w2")
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c"], kernel_shape=[3, 3], pads=[1] * 4),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("GlobalAveragePool", ["r"], ["g"]),
             helper.make_node("Flatten", ["g"], ["f"]),
             helper.make_node("Gemm", ["f", "w2"], ["y"], transB=1)]
    m = model_of(nodes, [vi("x", [1, 3, 16, 16])], [vi("y", [1, 10])], [w1, b1, w2])
    onnx.checker.check_model(m, full_check=True)
    return m


def parses(data):
    """True when protobuf accepts all of data as a ModelProto.  The C++
    protobuf backend only *warns* ("Not all data was converted") when it
    stops early at a stray end-group tag, so warnings count as failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            onnx.ModelProto().ParseFromString(data)
            return True
        except Exception:  # noqa: BLE001 - DecodeError, SystemError, RuntimeWarning
            return False


# minimal protobuf encoder, for files the python protobuf refuses to write
def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_len(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def field_varint(num, value):
    return varint(num << 3 | 0) + varint(value)


def deep_nesting(depth):
    """Graph -> Node(If) -> Attribute(then_branch) -> Graph -> ... `depth`
    levels: a recursive parser or graph walker without a depth limit
    overflows its stack."""
    g = field_len(2, b"leaf")                                    # GraphProto.name
    for _ in range(depth):
        attr = field_len(1, b"then_branch") + field_varint(20, 5) + field_len(6, g)
        node = field_len(4, b"If") + field_len(5, attr)          # NodeProto
        g = field_len(1, node) + field_len(2, b"g")              # GraphProto
    opset = field_len(1, b"") + field_varint(2, 13)
    return field_varint(1, 8) + field_len(8, opset) + field_len(7, g)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: %s OUTDIR\n" % argv[0])
        return 1
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = {}

    def write(name, data, expect, why):
        if isinstance(data, onnx.ModelProto):
            data = data.SerializeToString()   # no checker on purpose
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        manifest[name] = {"expect_exit": expect, "why": why}

    # --- not a model at all ---------------------------------------------
    write("empty.onnx", b"", [2], "zero-byte file")
    rng = np.random.default_rng(1234)
    for _ in range(100):
        data = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
        if not parses(data):
            break
    write("random_bytes.onnx", data, [2], "4096 random bytes")
    text = b"This is not an ONNX model.\nir_version: 8\ngraph { node { op_type: \"Relu\" } }\n"
    assert not parses(text)
    write("text.onnx", text, [2], "a text file (looks like protobuf text format)")

    # --- truncated valid model ------------------------------------------
    good = valid_model().SerializeToString()
    write("valid_reference.onnx", good, [0], "the untruncated model (sanity)")
    for label, cut in (("1b", 1), ("10b", 10), ("25pct", len(good) // 4), ("50pct", len(good) // 2),
                       ("75pct", 3 * len(good) // 4), ("minus1", len(good) - 1)):
        c = cut
        while parses(good[:c]) and c > 1:
            c -= 1
        assert not parses(good[:c]), label
        write("truncated_%s.onnx" % label, good[:c], [2],
              "valid model cut after %d of %d bytes" % (c, len(good)))

    # --- graph structure errors -----------------------------------------
    write("cycle.onnx", model_of(
        [helper.make_node("Add", ["x", "b_out"], ["a_out"], name="A"),
         helper.make_node("Relu", ["a_out"], ["b_out"], name="B")],
        [vi("x", [1, 4])], [vi("a_out", [1, 4])]),
        [2], "node A consumes B's output and B consumes A's")
    write("self_loop.onnx", model_of(
        [helper.make_node("Add", ["x", "y"], ["y"])], [vi("x", [1, 4])], [vi("y", [1, 4])]),
        [2], "a node consuming its own output")
    write("dangling_input.onnx", model_of(
        [helper.make_node("Relu", ["nowhere"], ["r"]),
         helper.make_node("Add", ["x", "r"], ["y"])],
        [vi("x", [1, 4])], [vi("y", [1, 4])]),
        [2], "input 'nowhere' is no graph input, initializer or node output")
    write("duplicate_producer.onnx", model_of(
        [helper.make_node("Relu", ["x"], ["y"]), helper.make_node("Sigmoid", ["x"], ["y"])],
        [vi("x", [1, 4])], [vi("y", [1, 4])]),
        [2], "two nodes write the same tensor (not SSA)")
    write("unknown_domain.onnx", model_of(
        [helper.make_node("Frobnicate", ["x"], ["f"], domain="com.example.nope"),
         helper.make_node("Relu", ["f"], ["y"])],
        [vi("x", [1, 4, 8, 8])], [vi("y", ANY4)],
        opsets=(("", 13), ("com.example.nope", 1))),
        [0, 2], "op from domain com.example.nope: reject, or report it with unknown shapes")
    write("no_graph.onnx", field_varint(1, 8) + field_len(8, field_len(1, b"") + field_varint(2, 13)),
          [0, 2], "ModelProto with an opset but no graph")
    write("deep_nesting.onnx", deep_nesting(20000), [0, 2],
          "20000 nested If/then_branch sub-graphs (stack exhaustion)")

    # --- bad dims -------------------------------------------------------
    conv_w = numpy_helper.from_array(np.zeros([8, 4, 3, 3], dtype=np.float32), "w")
    write("huge_dims.onnx", model_of(
        [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1] * 4)],
        [vi("x", [2**62, 4, 16, 16])], [vi("y", ANY4)], [conv_w]),
        [0, 2], "input [2^62,4,16,16]: element count and FLOPs overflow int64; "
                "if exit 0 no count may be negative")
    big_init = TensorProto(name="w", data_type=FLOAT, dims=[2**62, 4])
    write("huge_initializer_dims.onnx", model_of(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        [vi("x", [1, 2**62])], [vi("y", [None, None])], [big_init]),
        [0, 2], "initializer dims [2^62,4] (element count 2^64 wraps to 0) and no data")
    # dim_value written as a 10-byte varint meaning 2^64 (does not fit int64):
    # serialise a -1 placeholder (ff*9 01) and patch it in place (same length)
    m = model_of([helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, 3, -1, 8])],
                 [vi("y", ANY4)])
    data = m.SerializeToString()
    placeholder = b"\xff" * 9 + b"\x01"
    assert data.count(placeholder) == 1
    write("dim_2pow64.onnx", data.replace(placeholder, b"\x80" * 9 + b"\x02"), [0, 2],
          "input dim encoded as varint 2^64 = 2^62*4 (exceeds int64)")
    write("negative_dim.onnx", model_of(
        [helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1, -3, 8, 8])], [vi("y", ANY4)]),
        [2], "input dim -3")
    short = numpy_helper.from_array(np.zeros([8, 3, 3, 3], dtype=np.float32), "w")
    short.raw_data = short.raw_data[:10]
    write("raw_data_short.onnx", model_of(
        [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3])],
        [vi("x", [1, 3, 8, 8])], [vi("y", ANY4)], [short]),
        [0, 2], "weight dims [8,3,3,3] but raw_data holds 10 bytes")

    with open(os.path.join(out, "bad_models.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %d files to %s" % (len(manifest), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
