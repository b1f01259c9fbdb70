/* filehash.h -- a content hash of a model file, kept in measurement records.
 *
 * Why: a record names its model by path, and the build scripts remake the
 * models under /tmp from seeds (zoo, prior) or from lists (sample --around).
 * A path that now holds a different model -- an adaptive round remade from
 * another worst list -- would pair an old latency with new features, a
 * silent wrong sample.  measure writes the hash; match and eval refuse a
 * record whose file no longer hashes the same.
 */
#ifndef NNM_FILEHASH_H
#define NNM_FILEHASH_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* "fnv1a64:<16 hex digits>" of the file's bytes into out (>= 25 bytes);
 * 0, or -1 with err set. */
int file_hash(const char *path, char *out, size_t outlen, char *err, size_t errlen);

/* A record's "model_hash" against its model file: 0 when it matches or
 * the record has none (older data), -1 with err naming the file and the
 * fix. */
int record_hash_check(const cJSON *record, char *err, size_t errlen);

#endif
