/* datadir.c -- locate the data directory (see datadir.h). */
#include "datadir.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *nnm_datadir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("NNMETER_DATA");
    if (env && env[0])
        return env;
    if (dir[0])
        return dir;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *choice = NNM_SOURCE_DIR;
    if (n > 0) {
        exe[n] = 0;
        /* installed: <prefix>/bin/prog and <prefix>/share/nnmeter-tui exists */
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            slash = strrchr(exe, '/');
            if (slash && strcmp(slash, "/bin") == 0 &&
                strncmp(NNM_INSTALL_DATADIR, exe, (size_t)(slash - exe)) == 0 &&
                access(NNM_INSTALL_DATADIR, R_OK) == 0)
                choice = NNM_INSTALL_DATADIR;
        }
    }
    strncpy(dir, choice, sizeof dir - 1);
    return dir;
}
