/* filehash.c -- content hash of model files (see filehash.h). */
#include "filehash.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int file_hash(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return -1;
    }
    enum { CHUNK = 1 << 20 };
    unsigned char *buf = malloc(CHUNK);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uint64_t h = 14695981039346656037ull;
    size_t got;
    while ((got = fread(buf, 1, CHUNK, f)) > 0)
        for (size_t i = 0; i < got; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    int rc = ferror(f) ? -1 : 0;
    if (rc)
        snprintf(err, errlen, "cannot read '%s'", path);
    free(buf);
    fclose(f);
    snprintf(out, outlen, "fnv1a64:%016" PRIx64, h);
    return rc;
}

int record_hash_check(const cJSON *record, char *err, size_t errlen)
{
    const char *want = cJSON_GetStringValue(cJSON_GetObjectItem(record, "model_hash"));
    const char *model = cJSON_GetStringValue(cJSON_GetObjectItem(record, "model"));
    if (!want || !model)
        return 0;
    char got[32], herr[512];
    if (file_hash(model, got, sizeof got, herr, sizeof herr)) {
        snprintf(err, errlen, "%s", herr);
        return -1;
    }
    if (strcmp(got, want) != 0) {
        snprintf(err, errlen, "'%s' is not the model this record measured (its hash is %s, the "
                 "record's %s); remake it with the build script's zoo/sample lines, or measure "
                 "it again", model, got, want);
        return -1;
    }
    return 0;
}
