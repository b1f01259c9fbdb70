/* wire.c -- protobuf field boundaries (see wire.h for why this exists). */
#include "wire.h"

#include <stdlib.h>
#include <string.h>

static int read_varint(WireReader *r, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return -1;
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *out = v;
            return 0;
        }
    }
    return -1;
}

int wire_next(WireReader *r, WireField *f)
{
    if (r->p >= r->end)
        return 0;
    uint64_t tag;
    if (read_varint(r, &tag))
        return -1;
    f->field = (uint32_t)(tag >> 3);
    f->type = (int)(tag & 7);
    f->data = NULL;
    f->len = 0;
    f->varint = 0;
    if (f->field == 0 || tag >> 3 > 0x1fffffff)
        return -1;
    size_t left = (size_t)(r->end - r->p);
    switch (f->type) {
    case WIRE_VARINT:
        return read_varint(r, &f->varint) ? -1 : 1;
    case WIRE_I64:
    case WIRE_I32: {
        size_t n = f->type == WIRE_I64 ? 8 : 4;
        if (left < n)
            return -1;
        f->data = r->p;
        f->len = n;
        r->p += n;
        return 1;
    }
    case WIRE_LEN: {
        uint64_t n;
        if (read_varint(r, &n))
            return -1;
        left = (size_t)(r->end - r->p);
        if (n > left)
            return -1;
        f->data = r->p;
        f->len = (size_t)n;
        r->p += n;
        return 1;
    }
    default:
        return -1; /* groups (3, 4) are not used by onnx.proto; 6, 7 invalid */
    }
}

static size_t put_varint(uint8_t *out, uint64_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        out[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

static int kept(const WireFilter *f, uint32_t field)
{
    for (int i = 0; i < f->nkeep; i++)
        if (f->keep[i] == field)
            return 1;
    return 0;
}

static const WireFilter *sub_filter(const WireFilter *f, uint32_t field)
{
    for (int i = 0; i < f->nsubs; i++)
        if (f->subs[i].field == field)
            return f->subs[i].filter;
    return NULL;
}

size_t wire_filter(const uint8_t *in, size_t len, const WireFilter *f, uint8_t *out,
                   int *dropped)
{
    WireReader r = {in, in + len};
    WireField fl;
    size_t o = 0;
    const uint8_t *start = r.p;
    int rc;
    while ((rc = wire_next(&r, &fl)) > 0) {
        if (!kept(f, fl.field)) {
            (*dropped)++;
            start = r.p;
            continue;
        }
        const WireFilter *sub = fl.type == WIRE_LEN ? sub_filter(f, fl.field) : NULL;
        if (!sub) {
            size_t n = (size_t)(r.p - start);
            memmove(out + o, start, n);
            o += n;
        } else {
            /* The filtered payload is no longer than the original, so its
             * length varint is no longer either: writing it after the tag
             * stays within the bytes the original field used.  The payload
             * is filtered into a scratch copy first because out may alias
             * nothing of in, but the nested call needs its own space. */
            uint8_t tmp[10];
            size_t tn = put_varint(tmp, ((uint64_t)fl.field << 3) | WIRE_LEN);
            uint8_t *payload = malloc(fl.len ? fl.len : 1);
            if (!payload)
                return (size_t)-1;
            size_t pn = wire_filter(fl.data, fl.len, sub, payload, dropped);
            if (pn == (size_t)-1) {
                free(payload);
                return (size_t)-1;
            }
            memcpy(out + o, tmp, tn);
            o += tn;
            o += put_varint(out + o, pn);
            memcpy(out + o, payload, pn);
            o += pn;
            free(payload);
        }
        start = r.p;
    }
    return rc < 0 ? (size_t)-1 : o;
}
