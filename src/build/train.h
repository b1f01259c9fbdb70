/* train.h -- `nnmeter-build train`: kernel samples -> a device's predictors.
 *
 * Input: kernel samples (from `nnmeter-build match --kernels`: features and
 * measured time per kernel) and per-model records (`--models`: measured
 * latency and the kernels' summed time).  Output: predictors/<device>/,
 * one gradient-boosted tree ensemble per kernel key and one per feature
 * family (libxgboost trains them; the analyzer evaluates them with its own
 * small code), an error band per ensemble from k-fold cross-validation,
 * and the runtime overhead fitted on whole models.
 */
#ifndef NNM_TRAIN_H
#define NNM_TRAIN_H

int train_main(int argc, char **argv);

#endif
