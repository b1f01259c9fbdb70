/* eval.h -- `nnmeter-build eval`: accuracy of a device's predictors on
 * measured models and kernels (see eval.c). */
#ifndef NNM_EVAL_H
#define NNM_EVAL_H

int eval_main(int argc, char **argv);

#endif
