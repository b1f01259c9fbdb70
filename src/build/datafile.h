/* datafile.h -- open a measurement file, plain or gzip-compressed.
 *
 * A device's measured data ship in predictors/<device>/data/ as gzipped
 * JSON lines (the 5 MB budget: the records compress about 8x);
 * match, eval and sample --around read them through this one function,
 * which hands back an ordinary FILE, so the readers keep their getline
 * loops.  Plain files read as they are (zlib's gzread passes them through).
 */
#ifndef NNM_DATAFILE_H
#define NNM_DATAFILE_H

#include <stdio.h>

/* The file's text for reading; NULL with errno set when it cannot be
 * opened.  fclose() closes it. */
FILE *datafile_open(const char *path);

#endif
