/* zoo.c -- the model families (see zoo.h).
 *
 * Each generator follows its paper's / torchvision's layout and draws, in a
 * fixed order, the knobs nn-Meter's dataset varies: input resolution, width
 * multiplier, per-stage depth and kernel size, and (where the family has
 * them) expansion ratios and SE blocks.  Random draws and builder calls
 * happen in statement order (nested calls are fine, but never two of them
 * as arguments of one call): C leaves argument order unspecified, and the
 * files must not depend on the compiler.  Widths are rounded to multiples
 * of 8 as the originals do.
 */
#include "zoo.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define N(a) (int)(sizeof(a) / sizeof((a)[0]))

enum { MAX_ATTEMPTS = 64, CLASSES = 1000 };

static const int RES_STD[] = {128, 160, 192, 224};
static const int KS_357[] = {3, 5, 7};

/* ---- shared pieces -------------------------------------------------------- */

/* Channels rounded to a multiple of 8, never below 8 or 10% under v. */
static int64_t div8(double v)
{
    int64_t r = (int64_t)(v + 4) / 8 * 8;
    if (r < 8)
        r = 8;
    if ((double)r < 0.9 * v)
        r += 8;
    return r;
}

static int image_input(NetBuilder *b, const int *res, int n)
{
    int r = nb_pick(b, res, n);
    return nb_input(b, "input", 1, 3, r, r);
}

/* GlobalAveragePool -> Flatten -> Gemm. */
static int classifier(NetBuilder *b, int x, int64_t classes)
{
    nb_push(b, "classifier");
    x = nb_flatten(b, nb_gap(b, x), 1);
    x = nb_gemm(b, x, classes, 1);
    nb_pop(b);
    return x;
}

/* Inverted residual (MobileNetV2 onwards): expand 1x1 (skipped when exp ==
 * cin), depthwise kxk, optional SE, project 1x1; residual when shapes allow. */
static int mbconv(NetBuilder *b, int x, int64_t exp, int64_t cout, int k, int stride,
                  Act act, int64_t se_mid, Act gate)
{
    int64_t cin = nb_dim(b, x, 1);
    int y = x;
    if (exp != cin)
        y = nb_conv_bn_act(b, y, exp, 1, 1, 1, act);
    y = nb_conv_bn_act(b, y, exp, k, stride, exp, act);
    if (se_mid > 0)
        y = nb_se(b, y, se_mid, gate);
    y = nb_conv_bn_act(b, y, cout, 1, 1, 1, ACT_NONE);
    return stride == 1 && cin == cout ? nb_add(b, y, x) : y;
}

/* ---- AlexNet, VGG --------------------------------------------------------- */

static int alexnet(NetBuilder *b)
{
    static const int res[] = {160, 192, 224}, k1s[] = {7, 11}, k2s[] = {3, 5},
                     hid[] = {256, 512, 1024};
    static const double wm[] = {0.25, 0.375, 0.5, 0.75};
    int x = image_input(b, res, N(res));
    double m = nb_pick_f(b, wm, N(wm));
    int k1 = nb_pick(b, k1s, N(k1s));
    int k2 = nb_pick(b, k2s, N(k2s));
    int64_t hidden = nb_pick(b, hid, N(hid));
    nb_push(b, "features");
    x = nb_relu(b, nb_conv_pad(b, x, div8(64 * m), k1, 4, 2, 1, 1));
    x = nb_maxpool(b, x, 3, 2, 0);
    x = nb_relu(b, nb_conv(b, x, div8(192 * m), k2, 1, 1, 1));
    x = nb_maxpool(b, x, 3, 2, 0);
    x = nb_relu(b, nb_conv(b, x, div8(384 * m), 3, 1, 1, 1));
    x = nb_relu(b, nb_conv(b, x, div8(256 * m), 3, 1, 1, 1));
    x = nb_relu(b, nb_conv(b, x, div8(256 * m), 3, 1, 1, 1));
    x = nb_maxpool(b, x, 3, 2, 0);
    nb_pop(b);
    nb_push(b, "classifier");
    x = nb_flatten(b, x, 1);
    x = nb_relu(b, nb_gemm(b, x, hidden, 1));
    x = nb_relu(b, nb_gemm(b, x, hidden, 1));
    x = nb_gemm(b, x, CLASSES, 1);
    nb_pop(b);
    return x;
}

static int vgg(NetBuilder *b)
{
    static const int cfg[4][5] = {{1, 1, 2, 2, 2}, {2, 2, 2, 2, 2}, {2, 2, 3, 3, 3},
                                  {2, 2, 4, 4, 4}}; /* VGG 11, 13, 16, 19 */
    static const int width[5] = {64, 128, 256, 512, 512}, ks[] = {3, 3, 5},
                     hid[] = {256, 512};
    static const double wm[] = {0.125, 0.1875, 0.25};
    int x = image_input(b, RES_STD, N(RES_STD));
    const int *depth = cfg[nb_rand_int(b, 0, 3)];
    double m = nb_pick_f(b, wm, N(wm));
    int bn = nb_rand_int(b, 0, 1);
    int64_t hidden = nb_pick(b, hid, N(hid));
    nb_push(b, "features");
    for (int s = 0; s < 5; s++) {
        int k = nb_pick(b, ks, N(ks));
        for (int i = 0; i < depth[s]; i++) {
            nb_push(b, "%d_%d", s, i);
            x = nb_conv(b, x, div8(width[s] * m), k, 1, 1, !bn);
            if (bn)
                x = nb_bn(b, x);
            x = nb_relu(b, x);
            nb_pop(b);
        }
        x = nb_maxpool(b, x, 2, 2, 0);
    }
    nb_pop(b);
    nb_push(b, "classifier");
    x = nb_flatten(b, nb_gap(b, x), 1);
    x = nb_relu(b, nb_gemm(b, x, hidden, 1));
    x = nb_relu(b, nb_gemm(b, x, hidden, 1));
    x = nb_gemm(b, x, CLASSES, 1);
    nb_pop(b);
    return x;
}

/* ---- ResNet ----------------------------------------------------------------- */

static int shortcut(NetBuilder *b, int x, int64_t c, int stride)
{
    if (stride == 1 && nb_dim(b, x, 1) == c)
        return x;
    nb_push(b, "downsample");
    x = nb_conv_bn_act(b, x, c, 1, stride, 1, ACT_NONE);
    nb_pop(b);
    return x;
}

static int basic_block(NetBuilder *b, int x, int64_t c, int k, int stride)
{
    int y = nb_conv_bn_act(b, x, c, k, stride, 1, ACT_RELU);
    y = nb_conv_bn_act(b, y, c, k, 1, 1, ACT_NONE);
    return nb_relu(b, nb_add(b, y, shortcut(b, x, c, stride)));
}

static int bottleneck(NetBuilder *b, int x, int64_t c, int k, int stride)
{
    int y = nb_conv_bn_act(b, x, c, 1, 1, 1, ACT_RELU);
    y = nb_conv_bn_act(b, y, c, k, stride, 1, ACT_RELU);
    y = nb_conv_bn_act(b, y, 4 * c, 1, 1, 1, ACT_NONE);
    return nb_relu(b, nb_add(b, y, shortcut(b, x, 4 * c, stride)));
}

static int resnet(NetBuilder *b)
{
    static const int ks[] = {3, 3, 5};
    static const double wm[] = {0.25, 0.375, 0.5};
    int x = image_input(b, RES_STD, N(RES_STD));
    int bottle = nb_rand_int(b, 0, 1);
    double m = nb_pick_f(b, wm, N(wm));
    int k0 = nb_pick(b, KS_357, N(KS_357));
    nb_push(b, "stem");
    x = nb_conv_bn_act(b, x, div8(64 * m), k0, 2, 1, ACT_RELU);
    x = nb_maxpool(b, x, 3, 2, 1);
    nb_pop(b);
    for (int s = 0; s < 4; s++) {
        int n = nb_rand_int(b, 1, bottle ? 2 : 3);
        int k = nb_pick(b, ks, N(ks));
        for (int i = 0; i < n; i++) {
            nb_push(b, "layer%d/%d", s + 1, i);
            int stride = i == 0 && s > 0 ? 2 : 1;
            int64_t c = div8(64 * m) << s;
            x = bottle ? bottleneck(b, x, c, k, stride) : basic_block(b, x, c, k, stride);
            nb_pop(b);
        }
    }
    return classifier(b, x, CLASSES);
}

/* ---- DenseNet --------------------------------------------------------------- */

/* BN-ReLU-Conv1x1(4g)-BN-ReLU-Conv3x3(g) over the concat of all features. */
static int dense_layer(NetBuilder *b, const int *feats, int n, int64_t growth)
{
    int x = n == 1 ? feats[0] : nb_concat(b, feats, n, 1);
    x = nb_relu(b, nb_bn(b, x));
    x = nb_conv(b, x, 4 * growth, 1, 1, 1, 0);
    x = nb_relu(b, nb_bn(b, x));
    return nb_conv(b, x, growth, 3, 1, 1, 0);
}

static int densenet(NetBuilder *b)
{
    static const int growths[] = {8, 12, 16, 24}, maxl[4] = {4, 6, 8, 6};
    int x = image_input(b, RES_STD, N(RES_STD));
    int64_t g = nb_pick(b, growths, N(growths));
    nb_push(b, "stem");
    x = nb_conv_bn_act(b, x, 2 * g, 7, 2, 1, ACT_RELU);
    x = nb_maxpool(b, x, 3, 2, 1);
    nb_pop(b);
    for (int blk = 0; blk < 4; blk++) {
        int n = nb_rand_int(b, 2, maxl[blk]);
        int feats[16] = {x};
        for (int i = 0; i < n; i++) {
            nb_push(b, "denseblock%d/denselayer%d", blk + 1, i + 1);
            feats[i + 1] = dense_layer(b, feats, i + 1, g);
            nb_pop(b);
        }
        x = nb_concat(b, feats, n + 1, 1);
        if (blk == 3)
            break;
        nb_push(b, "transition%d", blk + 1);
        x = nb_relu(b, nb_bn(b, x));
        x = nb_conv(b, x, nb_dim(b, x, 1) / 2, 1, 1, 1, 0);
        x = nb_avgpool(b, x, 2, 2, 0);
        nb_pop(b);
    }
    x = nb_relu(b, nb_bn(b, x));
    return classifier(b, x, CLASSES);
}

/* ---- SqueezeNet, GoogLeNet -------------------------------------------------- */

/* squeeze 1x1 -> (expand 1x1 | expand kxk) -> concat */
static int fire(NetBuilder *b, int x, int64_t s, int64_t e, int k)
{
    x = nb_relu(b, nb_conv(b, x, s, 1, 1, 1, 1));
    int y[2];
    y[0] = nb_relu(b, nb_conv(b, x, e, 1, 1, 1, 1));
    y[1] = nb_relu(b, nb_conv(b, x, e, k, 1, 1, 1));
    return nb_concat(b, y, 2, 1);
}

static int squeezenet(NetBuilder *b)
{
    static const int squeeze[8] = {16, 16, 32, 32, 48, 48, 64, 64}, ks[] = {3, 3, 5};
    static const double wm[] = {0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    int v11 = nb_rand_int(b, 0, 1);
    double m = nb_pick_f(b, wm, N(wm));
    int k = nb_pick(b, ks, N(ks));
    /* max pools sit before these fire modules (v1.0: 3, 7; v1.1: 2, 4) */
    int pool_a = v11 ? 2 : 3, pool_b = v11 ? 4 : 7;
    nb_push(b, "features");
    x = nb_relu(b, nb_conv(b, x, div8((v11 ? 64 : 96) * m), v11 ? 3 : 7, 2, 1, 1));
    x = nb_maxpool(b, x, 3, 2, 0);
    for (int i = 0; i < 8; i++) {
        if (i == pool_a || i == pool_b)
            x = nb_maxpool(b, x, 3, 2, 0);
        nb_push(b, "fire%d", i);
        x = fire(b, x, div8(squeeze[i] * m), div8(4 * squeeze[i] * m), k);
        nb_pop(b);
    }
    nb_pop(b);
    nb_push(b, "classifier");
    x = nb_relu(b, nb_conv(b, x, CLASSES, 1, 1, 1, 1));
    x = nb_flatten(b, nb_gap(b, x), 1);
    nb_pop(b);
    return x;
}

/* torchvision GoogLeNet: 1x1 | 1x1-3x3 | 1x1-kxk | maxpool-1x1 */
static const int inception_cfg[9][6] = {
    {64, 96, 128, 16, 32, 32},     {128, 128, 192, 32, 96, 64},   /* 3a 3b */
    {192, 96, 208, 16, 48, 64},    {160, 112, 224, 24, 64, 64},   /* 4a 4b */
    {128, 128, 256, 24, 64, 64},   {112, 144, 288, 32, 64, 64},   /* 4c 4d */
    {256, 160, 320, 32, 128, 128},                                /* 4e */
    {256, 160, 320, 32, 128, 128}, {384, 192, 384, 48, 128, 128}, /* 5a 5b */
};

static int inception(NetBuilder *b, int x, const int *c, double m, int k)
{
    int br[4];
    nb_push(b, "branch1");
    br[0] = nb_conv_bn_act(b, x, div8(c[0] * m), 1, 1, 1, ACT_RELU);
    nb_pop(b);
    nb_push(b, "branch2");
    br[1] = nb_conv_bn_act(b, x, div8(c[1] * m), 1, 1, 1, ACT_RELU);
    br[1] = nb_conv_bn_act(b, br[1], div8(c[2] * m), 3, 1, 1, ACT_RELU);
    nb_pop(b);
    nb_push(b, "branch3");
    br[2] = nb_conv_bn_act(b, x, div8(c[3] * m), 1, 1, 1, ACT_RELU);
    br[2] = nb_conv_bn_act(b, br[2], div8(c[4] * m), k, 1, 1, ACT_RELU);
    nb_pop(b);
    nb_push(b, "branch4");
    br[3] = nb_maxpool(b, x, 3, 1, 1);
    br[3] = nb_conv_bn_act(b, br[3], div8(c[5] * m), 1, 1, 1, ACT_RELU);
    nb_pop(b);
    return nb_concat(b, br, 4, 1);
}

static int googlenet(NetBuilder *b)
{
    static const int ks[] = {3, 5};
    static const double wm[] = {0.25, 0.375, 0.5};
    static const char *names[9] = {"3a", "3b", "4a", "4b", "4c", "4d", "4e", "5a", "5b"};
    int x = image_input(b, RES_STD, N(RES_STD));
    double m = nb_pick_f(b, wm, N(wm));
    int k = nb_pick(b, ks, N(ks));
    int n4 = nb_rand_int(b, 2, 5);
    int n5 = nb_rand_int(b, 1, 2);
    nb_push(b, "stem");
    x = nb_conv_bn_act(b, x, div8(64 * m), 7, 2, 1, ACT_RELU);
    x = nb_maxpool(b, x, 3, 2, 1);
    x = nb_conv_bn_act(b, x, div8(64 * m), 1, 1, 1, ACT_RELU);
    x = nb_conv_bn_act(b, x, div8(192 * m), 3, 1, 1, ACT_RELU);
    x = nb_maxpool(b, x, 3, 2, 1);
    nb_pop(b);
    for (int i = 0; i < 9; i++) {
        if ((i >= 2 && i < 7 && i - 2 >= n4) || (i >= 7 && i - 7 >= n5))
            continue;
        if (i == 2 || i == 7)
            x = nb_maxpool(b, x, 3, 2, 1);
        nb_push(b, "inception%s", names[i]);
        x = inception(b, x, inception_cfg[i], m, k);
        nb_pop(b);
    }
    return classifier(b, x, CLASSES);
}

/* ---- MobileNets ----------------------------------------------------------- */

static int mobilenetv1(NetBuilder *b)
{
    static const int ch[] = {64, 128, 128, 256, 256, 512, 512, 1024, 1024};
    static const int st[] = {1, 2, 1, 2, 1, 2, 1, 2, 1};
    static const int ks[] = {3, 3, 5, 7};
    static const double wm[] = {0.25, 0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    double m = nb_pick_f(b, wm, N(wm));
    Act act = nb_rand_int(b, 0, 1) ? ACT_RELU6 : ACT_RELU;
    int n512 = nb_rand_int(b, 1, 5);   /* the repeated 512-channel layer */
    x = nb_conv_bn_act(b, x, div8(32 * m), 3, 2, 1, act);
    int layer = 0;
    for (int i = 0; i < N(ch); i++) {
        for (int r = 0; r < (i == 6 ? n512 : 1); r++) {
            int k = nb_pick(b, ks, N(ks));
            int64_t cin = nb_dim(b, x, 1);
            nb_push(b, "layer%d", layer++);
            x = nb_conv_bn_act(b, x, cin, k, st[i], cin, act);
            x = nb_conv_bn_act(b, x, div8(ch[i] * m), 1, 1, 1, act);
            nb_pop(b);
        }
    }
    return classifier(b, x, CLASSES);
}

static int mobilenetv2(NetBuilder *b)
{
    static const int cfg[7][4] = {{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2},
                                  {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}}; /* t c n s */
    static const int ts[] = {3, 4, 6};
    static const double wm[] = {0.35, 0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    double m = nb_pick_f(b, wm, N(wm));
    x = nb_conv_bn_act(b, x, div8(32 * m), 3, 2, 1, ACT_RELU6);
    int block = 0;
    for (int s = 0; s < 7; s++) {
        int t = s == 0 ? 1 : nb_pick(b, ts, N(ts));
        int n = nb_rand_int(b, 1, cfg[s][2]);
        for (int i = 0; i < n; i++) {
            int k = nb_pick(b, KS_357, N(KS_357));
            nb_push(b, "features/%d", ++block);
            x = mbconv(b, x, nb_dim(b, x, 1) * t, div8(cfg[s][1] * m), k,
                       i == 0 ? cfg[s][3] : 1, ACT_RELU6, 0, ACT_NONE);
            nb_pop(b);
        }
    }
    x = nb_conv_bn_act(b, x, div8(1280 * (m > 1 ? m : 1)), 1, 1, 1, ACT_RELU6);
    return classifier(b, x, CLASSES);
}

/* torchvision's MobileNetV3 tables: k, exp, out, se, hswish, stride */
static const int v3_large[15][6] = {
    {3, 16, 16, 0, 0, 1},   {3, 64, 24, 0, 0, 2},   {3, 72, 24, 0, 0, 1},
    {5, 72, 40, 1, 0, 2},   {5, 120, 40, 1, 0, 1},  {5, 120, 40, 1, 0, 1},
    {3, 240, 80, 0, 1, 2},  {3, 200, 80, 0, 1, 1},  {3, 184, 80, 0, 1, 1},
    {3, 184, 80, 0, 1, 1},  {3, 480, 112, 1, 1, 1}, {3, 672, 112, 1, 1, 1},
    {5, 672, 160, 1, 1, 2}, {5, 960, 160, 1, 1, 1}, {5, 960, 160, 1, 1, 1},
};
static const int v3_small[11][6] = {
    {3, 16, 16, 1, 0, 2},  {3, 72, 24, 0, 0, 2},  {3, 88, 24, 0, 0, 1},
    {5, 96, 40, 1, 1, 2},  {5, 240, 40, 1, 1, 1}, {5, 240, 40, 1, 1, 1},
    {5, 120, 48, 1, 1, 1}, {5, 144, 48, 1, 1, 1}, {5, 288, 96, 1, 1, 2},
    {5, 576, 96, 1, 1, 1}, {5, 576, 96, 1, 1, 1},
};

static int mobilenetv3(NetBuilder *b)
{
    static const double wm[] = {0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    int small = nb_rand_int(b, 0, 1);
    double m = nb_pick_f(b, wm, N(wm));
    const int(*cfg)[6] = small ? v3_small : v3_large;
    int nrows = small ? N(v3_small) : N(v3_large);
    x = nb_conv_bn_act(b, x, div8(16 * m), 3, 2, 1, ACT_HSWISH);
    for (int i = 0; i < nrows; i++) {
        const int *r = cfg[i];
        int drop = nb_rand_int(b, 0, 3) == 0;   /* thin the stride-1 blocks */
        int k = nb_pick(b, KS_357, N(KS_357));
        if (drop && r[5] == 1 && i > 0)
            continue;
        int64_t exp = div8(r[1] * m);
        nb_push(b, "features/%d", i + 1);
        x = mbconv(b, x, exp, div8(r[2] * m), k, r[5], r[4] ? ACT_HSWISH : ACT_RELU,
                   r[3] ? div8(exp / 4.0) : 0, ACT_HSIGMOID);
        nb_pop(b);
    }
    x = nb_conv_bn_act(b, x, 6 * div8(cfg[nrows - 1][2] * m), 1, 1, 1, ACT_HSWISH);
    nb_push(b, "classifier");
    x = nb_flatten(b, nb_gap(b, x), 1);
    x = nb_hswish(b, nb_gemm(b, x, small ? 1024 : 1280, 1));
    x = nb_gemm(b, x, CLASSES, 1);
    nb_pop(b);
    return x;
}

/* ---- ShuffleNetV2 --------------------------------------------------------- */

static int shuffle_unit(NetBuilder *b, int x, int64_t cout, int k, int stride)
{
    int64_t half = cout / 2, cin = nb_dim(b, x, 1);
    int part[2] = {x, x};
    if (stride == 1) {
        nb_split(b, x, 1, 2, NULL, part);
    } else {
        nb_push(b, "branch1");
        part[0] = nb_conv_bn_act(b, x, cin, k, 2, cin, ACT_NONE);
        part[0] = nb_conv_bn_act(b, part[0], half, 1, 1, 1, ACT_RELU);
        nb_pop(b);
    }
    nb_push(b, "branch2");
    int r = nb_conv_bn_act(b, part[1], half, 1, 1, 1, ACT_RELU);
    r = nb_conv_bn_act(b, r, half, k, stride, half, ACT_NONE);
    r = nb_conv_bn_act(b, r, half, 1, 1, 1, ACT_RELU);
    nb_pop(b);
    int cat[2] = {part[0], r};
    return nb_channel_shuffle(b, nb_concat(b, cat, 2, 1), 2);
}

static int shufflenetv2(NetBuilder *b)
{
    static const int widths[3][3] = {{48, 96, 192}, {116, 232, 464}, {176, 352, 704}};
    static const int maxrep[3] = {4, 8, 4};
    int x = image_input(b, RES_STD, N(RES_STD));
    const int *w = widths[nb_rand_int(b, 0, 2)];
    nb_push(b, "stem");
    x = nb_conv_bn_act(b, x, 24, 3, 2, 1, ACT_RELU);
    x = nb_maxpool(b, x, 3, 2, 1);
    nb_pop(b);
    for (int s = 0; s < 3; s++) {
        int n = nb_rand_int(b, 2, maxrep[s]);
        int k = nb_pick(b, KS_357, N(KS_357));
        for (int i = 0; i < n; i++) {
            nb_push(b, "stage%d/%d", s + 2, i);
            x = shuffle_unit(b, x, w[s], k, i == 0 ? 2 : 1);
            nb_pop(b);
        }
    }
    x = nb_conv_bn_act(b, x, 1024, 1, 1, 1, ACT_RELU);
    return classifier(b, x, CLASSES);
}

/* ---- NAS-found mobile nets -------------------------------------------------- */

static int mnasnet(NetBuilder *b)
{
    static const int cfg[6][5] = {{3, 24, 3, 2, 3}, {3, 40, 3, 2, 5}, {6, 80, 3, 2, 5},
                                  {6, 96, 2, 1, 3}, {6, 192, 4, 2, 5}, {6, 320, 1, 1, 3}};
    static const int ts[] = {3, 6};                                /* t c n s k */
    static const double wm[] = {0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    double m = nb_pick_f(b, wm, N(wm));
    nb_push(b, "stem");
    x = nb_conv_bn_act(b, x, div8(32 * m), 3, 2, 1, ACT_RELU);
    x = nb_conv_bn_act(b, x, div8(32 * m), 3, 1, div8(32 * m), ACT_RELU);
    x = nb_conv_bn_act(b, x, div8(16 * m), 1, 1, 1, ACT_NONE);
    nb_pop(b);
    for (int s = 0; s < 6; s++) {
        int t = nb_pick(b, ts, N(ts));
        int n = nb_rand_int(b, 1, cfg[s][2]);
        int k = nb_rand_int(b, 0, 1) ? cfg[s][4] : nb_pick(b, KS_357, N(KS_357));
        int se = nb_rand_int(b, 0, 1);
        for (int i = 0; i < n; i++) {
            int64_t exp = nb_dim(b, x, 1) * t;
            nb_push(b, "layers/%d/%d", s, i);
            x = mbconv(b, x, exp, div8(cfg[s][1] * m), k, i == 0 ? cfg[s][3] : 1, ACT_RELU,
                       se ? div8(exp / 4.0) : 0, ACT_SIGMOID);
            nb_pop(b);
        }
    }
    x = nb_conv_bn_act(b, x, 1280, 1, 1, 1, ACT_RELU);
    return classifier(b, x, CLASSES);
}

static int proxylessnas(NetBuilder *b)
{
    static const int width[6] = {24, 40, 80, 96, 192, 320}, reps[6] = {4, 4, 4, 4, 4, 1},
                     stride[6] = {2, 2, 2, 1, 2, 1};
    static const double wm[] = {0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    double m = nb_pick_f(b, wm, N(wm));
    nb_push(b, "first_conv");
    x = nb_conv_bn_act(b, x, div8(32 * m), 3, 2, 1, ACT_RELU6);
    nb_pop(b);
    nb_push(b, "blocks/0");
    x = mbconv(b, x, nb_dim(b, x, 1), div8(16 * m), 3, 1, ACT_RELU6, 0, ACT_NONE);
    nb_pop(b);
    int block = 1;
    for (int s = 0; s < 6; s++) {
        for (int i = 0; i < reps[s]; i++) {
            /* choices: k in {3,5,7} x expansion in {3,6}, or (not first) zero */
            int c = nb_rand_int(b, 0, i == 0 ? 5 : 6);
            if (c == 6)
                continue;
            int k = KS_357[c / 2], t = c % 2 ? 6 : 3;
            nb_push(b, "blocks/%d", block++);
            x = mbconv(b, x, nb_dim(b, x, 1) * t, div8(width[s] * m), k,
                       i == 0 ? stride[s] : 1, ACT_RELU6, 0, ACT_NONE);
            nb_pop(b);
        }
    }
    x = nb_conv_bn_act(b, x, 1280, 1, 1, 1, ACT_RELU6);
    return classifier(b, x, CLASSES);
}

static int efficientnet(NetBuilder *b)
{
    static const int cfg[7][5] = {{1, 3, 1, 16, 1}, {6, 3, 2, 24, 2}, {6, 5, 2, 40, 2},
                                  {6, 3, 2, 80, 3}, {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4},
                                  {6, 3, 1, 320, 1}};                /* t k s c n */
    static const double wm[] = {0.5, 0.75, 1.0}, dm[] = {0.5, 0.75, 1.0};
    int x = image_input(b, RES_STD, N(RES_STD));
    double w = nb_pick_f(b, wm, N(wm));
    double d = nb_pick_f(b, dm, N(dm));
    x = nb_conv_bn_act(b, x, div8(32 * w), 3, 2, 1, ACT_SWISH);
    for (int s = 0; s < 7; s++) {
        int n = (int)ceil(cfg[s][4] * d);
        int k = nb_rand_int(b, 0, 2) ? cfg[s][1] : nb_pick(b, KS_357, N(KS_357));
        for (int i = 0; i < n; i++) {
            int64_t cin = nb_dim(b, x, 1);
            nb_push(b, "features/%d/%d", s + 1, i);
            x = mbconv(b, x, cin * cfg[s][0], div8(cfg[s][3] * w), k,
                       i == 0 ? cfg[s][2] : 1, ACT_SWISH, cin / 4 > 0 ? cin / 4 : 1,
                       ACT_SIGMOID);
            nb_pop(b);
        }
    }
    x = nb_conv_bn_act(b, x, div8(1280 * w), 1, 1, 1, ACT_SWISH);
    return classifier(b, x, CLASSES);
}

/* ---- NAS-Bench-201 ---------------------------------------------------------- */

enum { OP_NONE, OP_SKIP, OP_CONV1, OP_CONV3, OP_POOL, NB201_OPS };

/* Edges of the 4-node cell, in NAS-Bench-201's order. */
static const int edge_from[6] = {0, 0, 1, 0, 1, 2}, edge_to[6] = {1, 2, 2, 3, 3, 3};

static int relu_conv_bn(NetBuilder *b, int x, int64_t c, int k, int stride)
{
    x = nb_relu(b, x);
    return nb_bn(b, nb_conv(b, x, c, k, stride, 1, 0));
}

/* Which nodes get a non-zero input; the cell is usable when node 3 does. */
static int cell_live(const int ops[6], int live[4])
{
    live[0] = 1;
    live[1] = live[2] = live[3] = 0;
    for (int e = 0; e < 6; e++)
        if (ops[e] != OP_NONE && live[edge_from[e]])
            live[edge_to[e]] = 1;
    return live[3];
}

static int nb201_edge(NetBuilder *b, int x, int op, int64_t c)
{
    switch (op) {
    case OP_CONV1: return relu_conv_bn(b, x, c, 1, 1);
    case OP_CONV3: return relu_conv_bn(b, x, c, 3, 1);
    case OP_POOL: return nb_avgpool(b, x, 3, 1, 1);
    default: return x; /* skip */
    }
}

static int nb201_cell(NetBuilder *b, int x, const int ops[6])
{
    int live[4], node[4] = {x, -1, -1, -1};
    int64_t c = nb_dim(b, x, 1);
    cell_live(ops, live);
    for (int e = 0; e < 6; e++) {
        int from = edge_from[e], to = edge_to[e];
        if (ops[e] == OP_NONE || !live[from])
            continue;
        nb_push(b, "edge%d_%d", from, to);
        int t = nb201_edge(b, node[from], ops[e], c);
        node[to] = node[to] < 0 ? t : nb_add(b, node[to], t);
        nb_pop(b);
    }
    return node[3];
}

static int nasbench201(NetBuilder *b)
{
    static const int res[] = {32, 64, 96, 128}, cs[] = {8, 16};
    int x = image_input(b, res, N(res));
    int64_t c = nb_pick(b, cs, N(cs));
    int n = nb_rand_int(b, 1, 5);
    int ops[6], live[4];
    do {
        for (int e = 0; e < 6; e++)
            ops[e] = nb_rand_int(b, 0, NB201_OPS - 1);
    } while (!cell_live(ops, live));
    nb_push(b, "stem");
    x = nb_bn(b, nb_conv(b, x, c, 3, 1, 1, 0));
    nb_pop(b);
    for (int s = 0; s < 3; s++) {
        if (s > 0) {   /* ResNet basic block, stride 2 */
            nb_push(b, "reduce%d", s);
            int y = relu_conv_bn(b, x, c << s, 3, 2);
            y = relu_conv_bn(b, y, c << s, 3, 1);
            int sc = nb_conv(b, nb_avgpool(b, x, 2, 2, 0), c << s, 1, 1, 1, 0);
            x = nb_add(b, y, sc);
            nb_pop(b);
        }
        for (int i = 0; i < n; i++) {
            nb_push(b, "cells/%d", s * n + i);
            x = nb201_cell(b, x, ops);
            nb_pop(b);
        }
    }
    x = nb_relu(b, nb_bn(b, x));
    return classifier(b, x, 10);
}

/* ---- transformers ------------------------------------------------------------ */

/* Multi-head self-attention over x [1, T, D] with a fused QKV projection. */
static int attention(NetBuilder *b, int x, int64_t heads)
{
    static const int64_t pq[4] = {0, 2, 1, 3}, pk[4] = {0, 2, 3, 1};
    int64_t t = nb_dim(b, x, 1), d = nb_dim(b, x, 2), hd = d / heads;
    int64_t split[4] = {1, t, heads, hd}, merged[3] = {1, t, d};
    nb_push(b, "attn");
    int qkv[3];
    nb_split(b, nb_linear(b, x, 3 * d, 1), -1, 3, NULL, qkv);
    int q = nb_transpose(b, nb_reshape(b, qkv[0], 4, split), 4, pq);
    int k = nb_transpose(b, nb_reshape(b, qkv[1], 4, split), 4, pk);
    int v = nb_transpose(b, nb_reshape(b, qkv[2], 4, split), 4, pq);
    int a = nb_matmul(b, q, k);
    a = nb_mul(b, a, nb_scalar(b, 1.0 / sqrt((double)hd)));
    a = nb_matmul(b, nb_softmax(b, a, -1), v);
    a = nb_reshape(b, nb_transpose(b, a, 4, pq), 3, merged);
    a = nb_linear(b, a, d, 1);
    nb_pop(b);
    return a;
}

static int mlp(NetBuilder *b, int x, int64_t hidden)
{
    int64_t d = nb_dim(b, x, -1);
    nb_push(b, "mlp");
    x = nb_linear(b, nb_gelu(b, nb_linear(b, x, hidden, 1)), d, 1);
    nb_pop(b);
    return x;
}

static int vit(NetBuilder *b)
{
    static const int patches[] = {16, 32}, dims[] = {96, 128, 192, 256},
                     hds[] = {32, 64}, ratios[] = {2, 3, 4};
    int x = image_input(b, RES_STD, N(RES_STD));
    int64_t res = nb_dim(b, x, 2);
    int p = nb_pick(b, patches, N(patches));
    int64_t d = nb_pick(b, dims, N(dims));
    int64_t hd = d % 64 ? 32 : nb_pick(b, hds, N(hds));
    int depth = nb_rand_int(b, 2, 8);
    int64_t hidden = d * nb_pick(b, ratios, N(ratios));
    int64_t np = (res / p) * (res / p);
    nb_push(b, "patch_embed");
    x = nb_conv_pad(b, x, d, p, p, 0, 1, 1);
    int64_t flat[3] = {1, d, np}, tr[3] = {0, 2, 1};
    x = nb_transpose(b, nb_reshape(b, x, 3, flat), 3, tr);
    nb_pop(b);
    int64_t cls_dims[3] = {1, 1, d}, pos_dims[3] = {1, np + 1, d};
    int cat[2] = {nb_param(b, "cls_token", 3, cls_dims), x};
    x = nb_concat(b, cat, 2, 1);
    x = nb_add(b, x, nb_param(b, "pos_embed", 3, pos_dims));
    for (int i = 0; i < depth; i++) {
        nb_push(b, "blocks/%d", i);
        x = nb_add(b, x, attention(b, nb_layernorm(b, x), d / hd));
        x = nb_add(b, x, mlp(b, nb_layernorm(b, x), hidden));
        nb_pop(b);
    }
    x = nb_gather(b, nb_layernorm(b, x), 1, 0);   /* the class token */
    nb_push(b, "head");
    x = nb_gemm(b, x, CLASSES, 1);
    nb_pop(b);
    return x;
}

/* LayerNorm over channels of NCHW (ConvNeXt's channels_first LayerNorm). */
static int ln_channels_first(NetBuilder *b, int x)
{
    static const int64_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
    x = nb_layernorm(b, nb_transpose(b, x, 4, to_nhwc));
    return nb_transpose(b, x, 4, to_nchw);
}

static int convnext_block(NetBuilder *b, int x, int k)
{
    static const int64_t to_nhwc[4] = {0, 2, 3, 1}, to_nchw[4] = {0, 3, 1, 2};
    int64_t c = nb_dim(b, x, 1);
    int y = nb_conv(b, x, c, k, 1, c, 1);
    y = nb_layernorm(b, nb_transpose(b, y, 4, to_nhwc));
    y = nb_linear(b, nb_gelu(b, nb_linear(b, y, 4 * c, 1)), c, 1);
    y = nb_mul(b, y, nb_param(b, "gamma", 1, &c));
    return nb_add(b, x, nb_transpose(b, y, 4, to_nchw));
}

static int convnext(NetBuilder *b)
{
    static const int dims[] = {24, 32, 40, 48}, ks[] = {5, 7, 7}, maxd[4] = {2, 2, 4, 2};
    int x = image_input(b, RES_STD, N(RES_STD));
    int64_t d = nb_pick(b, dims, N(dims));
    int k = nb_pick(b, ks, N(ks));
    nb_push(b, "stem");
    x = ln_channels_first(b, nb_conv_pad(b, x, d, 4, 4, 0, 1, 1));
    nb_pop(b);
    for (int s = 0; s < 4; s++) {
        int n = nb_rand_int(b, 1, maxd[s]);
        if (s > 0) {
            nb_push(b, "downsample%d", s);
            x = nb_conv_pad(b, ln_channels_first(b, x), d << s, 2, 2, 0, 1, 1);
            nb_pop(b);
        }
        for (int i = 0; i < n; i++) {
            nb_push(b, "stages/%d/%d", s, i);
            x = convnext_block(b, x, k);
            nb_pop(b);
        }
    }
    nb_push(b, "head");
    x = nb_layernorm(b, nb_flatten(b, nb_gap(b, x), 1));
    x = nb_gemm(b, x, CLASSES, 1);
    nb_pop(b);
    return x;
}

/* ---- the table ---------------------------------------------------------------- */

const ZooFamily zoo_families[] = {
    {"alexnet", "AlexNet: 5 convs (k1 7|11, k2 3|5), 3 FC layers", alexnet},
    {"vgg", "VGG-11/13/16/19, optional BN, k 3|5 per stage", vgg},
    {"resnet", "ResNet basic or bottleneck blocks, 1-3 per stage", resnet},
    {"densenet", "DenseNet, growth 8-24, 2-8 layers per block", densenet},
    {"squeezenet", "SqueezeNet 1.0/1.1 fire modules", squeezenet},
    {"googlenet", "GoogLeNet inception modules with BN", googlenet},
    {"mobilenetv1", "MobileNetV1 depthwise-separable convs, k 3-7", mobilenetv1},
    {"mobilenetv2", "MobileNetV2 inverted residuals, ReLU6", mobilenetv2},
    {"mobilenetv3", "MobileNetV3 large/small, hard-swish, SE", mobilenetv3},
    {"shufflenetv2", "ShuffleNetV2 split + channel shuffle", shufflenetv2},
    {"mnasnet", "MnasNet MBConv stages, optional SE", mnasnet},
    {"proxylessnas", "ProxylessNAS mobile, per-block k/expansion/skip", proxylessnas},
    {"efficientnet", "EfficientNet-B0 scaled, swish + SE", efficientnet},
    {"nasbench201", "NAS-Bench-201 cells (conv1x1/3x3, avgpool, skip)", nasbench201},
    {"vit", "Vision Transformer: patch embed, MHSA, GELU MLP", vit},
    {"convnext", "ConvNeXt: 7x7 depthwise, LayerNorm, GELU MLP", convnext},
};
const int zoo_nfamilies = N(zoo_families);

const ZooFamily *zoo_find(const char *name)
{
    for (int i = 0; i < zoo_nfamilies; i++)
        if (strcmp(zoo_families[i].name, name) == 0)
            return &zoo_families[i];
    return NULL;
}

static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* One stream per (family, seed, index, attempt). */
static uint64_t model_seed(const char *family, uint64_t seed, int index, int attempt)
{
    uint64_t h = 1469598103934665603ull;
    for (const char *p = family; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    h = mix64(h ^ mix64(seed));
    h = mix64(h ^ (uint64_t)(unsigned)index);
    return mix64(h ^ (uint64_t)(unsigned)attempt << 32);
}

Graph *zoo_build(const ZooFamily *f, uint64_t seed, int index, ZooInfo *info,
                 char *err, size_t errlen)
{
    char name[96];
    snprintf(name, sizeof name, "%s_%d", f->name, index);
    for (int attempt = 0;; attempt++) {
        uint64_t s = model_seed(f->name, seed, index, attempt);
        NetBuilder *b = nb_new(name, s);
        if (!b) {
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        nb_output(b, f->build(b));
        /* over budget: draw again (the last attempt is kept regardless) */
        if (!nb_failed(b) && nb_flops(b) > ZOO_MAX_GFLOPS * 1e9 &&
            attempt < MAX_ATTEMPTS - 1) {
            nb_free(b);
            continue;
        }
        info->seed = s;
        info->flops = nb_flops(b);
        info->params = nb_params(b);
        const Graph *g = nb_graph(b);
        if (g->ninputs > 0)
            info->input = g->tensors[g->inputs[0]].shape;
        else
            shape_unknown(&info->input);
        return nb_finish(b, err, errlen);
    }
}
