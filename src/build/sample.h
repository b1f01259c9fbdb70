/* sample.h -- `nnmeter-build sample`: kernel test models from prior layer
 * configurations and around badly predicted kernels (see sample.c). */
#ifndef NNM_SAMPLE_H
#define NNM_SAMPLE_H

int sample_main(int argc, char **argv);

#endif
