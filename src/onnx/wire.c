/* wire.c -- protobuf field boundaries (see wire.h for why this exists). */
#include "wire.h"

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
