/* datadir.h -- where rules/, predictors/ and samples/ live.
 *
 * Order: $NNMETER_DATA; the install prefix's share/nnmeter-tui when the
 * running binary is the installed one (it runs from the install bindir);
 * <dir>/share/nnmeter-tui when it runs from <dir>/bin and that holds
 * rules/ (an installed tree moved elsewhere); otherwise the source tree
 * the binary was built from (running from the build directory).
 */
#ifndef NNM_DATADIR_H
#define NNM_DATADIR_H

/* Never NULL; the string is static. */
const char *nnm_datadir(void);

#endif
