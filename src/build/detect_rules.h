/* detect_rules.h -- `nnmeter-build detect-rules`: fusion rules found by
 * timing op pairs on a runtime (nn-Meter's method; see detect_rules.c). */
#ifndef NNM_DETECT_RULES_H
#define NNM_DETECT_RULES_H

int detect_rules_main(int argc, char **argv);

#endif
