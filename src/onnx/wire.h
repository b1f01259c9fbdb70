/* wire.h -- walk the top-level fields of a protobuf message.
 *
 * This is not a decoder: protobuf-c decodes every message we use.  It only
 * finds field boundaries, so the loader can hand protobuf-c one node or one
 * initializer at a time instead of the whole model.  That keeps peak memory
 * near the file size (protobuf-c copies every bytes field while unpacking,
 * so unpacking a 100 MB ModelProto at once would cost 2x on top of the file)
 * and lets the loader drop each initializer's payload as soon as its dims
 * are read.
 */
#ifndef NNM_WIRE_H
#define NNM_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} WireReader;

typedef struct {
    uint32_t field;
    int type;               /* WIRE_* */
    uint64_t varint;        /* WIRE_VARINT value */
    const uint8_t *data;    /* WIRE_LEN payload / fixed-size bytes */
    size_t len;
} WireField;

/* Reads the next field: 1 when one was read, 0 at the end, -1 when the
 * bytes are not valid protobuf wire format (bad tag, group wire types,
 * a length that runs past the end). */
int wire_next(WireReader *r, WireField *f);

#endif

/* Which fields of a message to keep when copying it (wire_filter), and
 * the filters for the kept fields that are messages themselves.  The
 * loader uses this to drop what it never reads -- subgraphs, function
 * bodies, nested sequence types -- before protobuf-c sees it, so a
 * hostile file cannot make protobuf-c recurse 20,000 levels deep. */
typedef struct WireFilter {
    const uint32_t *keep;
    int nkeep;
    struct {
        uint32_t field;
        const struct WireFilter *filter;
    } subs[4];
    int nsubs;
} WireFilter;

/* Copies the message in[0..len) to out (which must hold len bytes) with
 * only the kept fields; returns the bytes written, or (size_t)-1 on bad
 * wire format.  *dropped counts the fields left out (all levels). */
size_t wire_filter(const uint8_t *in, size_t len, const WireFilter *f, uint8_t *out,
                   int *dropped);
