/* datafile.c -- measurement files, plain or gzipped (see datafile.h).
 *
 * zlib's gzFile behind a stdio FILE (glibc's fopencookie): the read and
 * close callbacks forward to gzread and gzclose. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* fopencookie */
#endif
#include "datafile.h"

#include <errno.h>
#include <zlib.h>

static ssize_t gz_read(void *cookie, char *buf, size_t size)
{
    unsigned n = size > (1u << 30) ? 1u << 30 : (unsigned)size;
    int r = gzread((gzFile)cookie, buf, n);
    int zerr = Z_OK;
    if (r >= 0 && (unsigned)r < n)
        gzerror((gzFile)cookie, &zerr);
    /* a corrupt .gz (r < 0), or one cut short (the input ended inside the
     * stream: Z_BUF_ERROR): the reader's ferror() says so */
    if (r < 0 || zerr == Z_BUF_ERROR) {
        errno = EIO;
        return -1;
    }
    return r;
}

static int gz_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

FILE *datafile_open(const char *path)
{
    gzFile gz = gzopen(path, "rb");
    if (!gz) {
        if (!errno)
            errno = ENOMEM;
        return NULL;
    }
    cookie_io_functions_t io = {.read = gz_read, .write = NULL, .seek = NULL, .close = gz_close};
    FILE *f = fopencookie(gz, "r", io);
    if (!f)
        gzclose(gz);
    return f;
}
