/* datadir.c -- locate the data directory (see datadir.h). */
#include "datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int has_rules(const char *dir)
{
    char path[PATH_MAX + 16];
    struct stat st;
    if (snprintf(path, sizeof path, "%s/rules", dir) >= (int)sizeof path)
        return 0;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *nnm_datadir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("NNMETER_DATA");
    if (env && env[0])
        return env;
    if (dir[0])
        return dir;
    const char *choice = NNM_SOURCE_DIR;
    char exe[PATH_MAX], bindir[PATH_MAX], rel[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = 0, strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = 0; /* exe is now the directory the binary runs from */
        /* installed: the binary is in the install bindir (compared as real
         * paths: /proc/self/exe has every symlink resolved) */
        if (realpath(NNM_INSTALL_BINDIR, bindir) && strcmp(bindir, exe) == 0 &&
            has_rules(NNM_INSTALL_DATADIR)) {
            choice = NNM_INSTALL_DATADIR;
        } else {
            /* an installed tree moved elsewhere: <dir>/bin/prog with
             * <dir>/share/nnmeter-tui beside it */
            char *up = strrchr(exe, '/');
            if (up && strcmp(up, "/bin") == 0) {
                int w = snprintf(rel, sizeof rel, "%.*s/share/nnmeter-tui", (int)(up - exe),
                                 exe);
                if (w > 0 && w < (int)sizeof rel && has_rules(rel))
                    choice = rel;
            }
        }
    }
    if (snprintf(dir, sizeof dir, "%s", choice) >= (int)sizeof dir)
        dir[0] = 0; /* cannot happen: every choice fits PATH_MAX */
    return dir[0] ? dir : NNM_SOURCE_DIR;
}
