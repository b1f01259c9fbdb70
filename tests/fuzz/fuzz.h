/* fuzz.h -- what the libFuzzer targets here share: the two entry points
 * libFuzzer calls (no libFuzzer header declares them, and -Wextra wants a
 * prototype), and the start each target makes.
 */
#ifndef NNM_FUZZ_H
#define NNM_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Only the shipped rule files: a user's edited copies under
 * XDG_CONFIG_HOME must not change what a crash reproduces with. */
static inline void fuzz_shipped_rules_only(void)
{
    setenv("XDG_CONFIG_HOME", "/nonexistent/nnmeter-fuzz", 1);
}

/* What every refusal must be: one line saying what is wrong (the tools
 * promise one clear message per bad input). */
static inline int fuzz_is_one_line_message(const char *err)
{
    return err[0] && !strchr(err, '\n');
}

#endif
