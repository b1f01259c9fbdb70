/* test_load.c -- the ONNX loader on good, truncated and corrupted bytes.
 *
 * Models come from Debian's libonnx-testdata (installed by setup.sh).  Every
 * prefix of a small model and a few thousand bit-flipped copies go through
 * the whole pipeline (load, inputs, shapes, costs): each must give a graph
 * or a one-line error, never a crash; the sanitizer build catches the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "model.h"
#include "onnx/onnx_load.h"

#define TESTDATA "/usr/share/libonnx-testdata/data"

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void test_good_model(void **state)
{
    (void)state;
    char err[512];
    Graph *g = onnx_load(TESTDATA "/pytorch-converted/test_Conv2d/model.onnx", err,
                         sizeof err);
    assert_non_null(g);
    assert_int_equal(g->ninputs, 1); /* weights are initializers, not inputs */
    assert_true(g->nnodes >= 1);
    assert_string_equal(g->nodes[0].op, "Conv");
    const Tensor *w = &g->tensors[g->nodes[0].inputs[1]];
    assert_true(w->is_initializer);
    assert_int_equal(w->shape.ndim, 4);
    graph_free(g);
}

static void test_missing_and_empty(void **state)
{
    (void)state;
    char err[512];
    assert_null(onnx_load("/nonexistent/model.onnx", err, sizeof err));
    assert_non_null(strstr(err, "cannot open"));
    assert_null(onnx_load_buffer("", 0, err, sizeof err));
    assert_non_null(strstr(err, "empty"));
    assert_null(onnx_load("/etc/hostname", err, sizeof err));
    assert_null(strchr(err, '\n'));
}

/* Every prefix: the result is a graph or an error, and errors are one line. */
static void test_truncations(void **state)
{
    (void)state;
    size_t len;
    unsigned char *buf = read_file(TESTDATA "/pytorch-converted/test_Conv2d/model.onnx", &len);
    assert_non_null(buf);
    int ok = 0, bad = 0;
    for (size_t n = 0; n < len; n++) {
        char err[512] = "";
        int code;
        Graph *g = model_open_buffer(buf, n, NULL, 0, err, sizeof err, &code);
        if (g) {
            ok++;
            graph_free(g);
        } else {
            bad++;
            assert_true(code == EXIT_BADINPUT || code == EXIT_USAGE);
            assert_true(err[0] != 0);
            assert_null(strchr(err, '\n'));
        }
    }
    assert_true(bad > 0);
    free(buf);
}

/* Deterministic bit flips over several models. */
static void test_bitflips(void **state)
{
    (void)state;
    static const char *models[] = {
        TESTDATA "/pytorch-converted/test_Conv2d_groups/model.onnx",
        TESTDATA "/node/test_reshape_negative_dim/model.onnx",
        TESTDATA "/node/test_maxpool_2d_ceil/model.onnx",
        TESTDATA "/pytorch-operator/test_operator_pad/model.onnx",
    };
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        size_t len;
        unsigned char *orig = read_file(models[m], &len);
        if (!orig)
            fail_msg("missing %s (install libonnx-testdata)", models[m]);
        unsigned char *buf = malloc(len);
        for (int it = 0; it < 600; it++) {
            memcpy(buf, orig, len);
            int flips = 1 + it % 4;
            for (int k = 0; k < flips; k++) {
                rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                buf[(rng >> 8) % len] ^= (unsigned char)(1u << (rng % 8));
            }
            char err[512];
            int code;
            Graph *g = model_open_buffer(buf, len, NULL, 0, err, sizeof err, &code);
            if (g)
                graph_free(g);
            else
                assert_null(strchr(err, '\n'));
        }
        free(buf);
        free(orig);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_model),
        cmocka_unit_test(test_missing_and_empty),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_bitflips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
