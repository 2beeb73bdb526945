// engine/trainer.h
//
// Training by SGD, as in the paper (section 4.2) and the authors' code:
//   - optional linear start (LS): first `linear_start_epochs` epochs without the memory
//     softmax at a constant `linear_start_learning_rate`, then the normal schedule;
//   - `epochs` epochs at `learning_rate`, halved every `lr_halve_every` epochs;
//   - batches of `batch_size`, loss summed over the batch (not averaged);
//   - each gradient matrix rescaled to norm `max_grad_norm` when above it;
//   - nil columns zeroed after every update;
//   - random noise (RN): each training question's memories get temporal indices as if
//     ~random_noise*n empty memories had been inserted among them (the authors' method);
//   - `validation_share` of the examples (per task) held out; with `repeats` > 1 each repeat
//     starts from its own seed and the one with the lowest validation error is kept, or with
//     `ensemble` = N the N best, as one ensemble model;
//   - optionally (best_epoch) each repeat keeps the epoch best on validation.
// Deterministic for a given seed and thread count. Threads go to repeats when there are
// several (then the result does not depend on the thread count), otherwise to the batch.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "engine/backprop.h"
#include "engine/entity_permutation.h"
#include "engine/example.h"
#include "engine/memn2n.h"
#include "engine/model_config.h"
#include "engine/random.h"
#include "engine/training_record.h"

namespace memnet::engine {

struct TrainOptions {
  int epochs = 100;                           // paper 4.2 (joint: 60)
  float learning_rate = 0.01f;                // halved every lr_halve_every epochs
  int lr_halve_every = 25;                    // joint: 15
  int linear_start_epochs = 20;               // authors' code; 0 disables LS (joint: 30)
  float linear_start_learning_rate = 0.005f;  // authors' code, constant during LS
  int batch_size = 32;                        // loss summed over the batch
  float max_grad_norm = 40.0f;                // per weight matrix
  float random_noise = 0.1f;                  // RN share of empty memories; 0 disables
  float validation_share = 0.1f;              // held out per task
  float init_stddev = 0.1f;                   // N(0, 0.1)
  std::uint64_t seed = 1;
  int repeats = 1;            // paper: best of 10
  int ensemble = 1;           // keep this many best repeats as one ensemble model (<= repeats)
  bool keep_repeats = false;  // also return every repeat of the chosen config (TrainResult)
  // With several candidate configs: false trains each candidate from every seed (C x
  // repeats runs); true deals the seeds out among them (max(repeats, C) runs).
  bool share_repeats = false;
  // With several candidate configs that differ only in gating (Memn2n::ensemble): the
  // `ensemble` members are chosen among the runs of every candidate, greedily on validation
  // (choose_members), instead of keeping one candidate's best runs.
  bool mix_candidates = false;
  // Early stopping: each repeat keeps its weights from the epoch of the normal schedule with
  // the lowest validation error (then loss), not the last epoch's. Needs a validation split.
  bool best_epoch = false;
  // L2 weight decay: every update also takes lr * weight_decay * theta from each weight
  // (the gradient of weight_decay/2 |theta|^2 per batch, not clipped). 0 (the paper) disables.
  float weight_decay = 0.0f;
  // Entity permutation (engine/entity_permutation.h): each epoch trains on every example
  // and on `permuted_copies` copies of it, each renamed afresh from `entities`, so an epoch
  // is 1 + permuted_copies passes. 0, or no classes, disables it (the paper).
  EntityClasses entities;
  int permuted_copies = 0;
  // With permuted copies: train every candidate config both without and with them, from the
  // same seeds, and keep the one better on validation, as for any candidate (twice the runs).
  bool permute_auto = false;
  int threads = 1;
};

// Throws std::invalid_argument naming the first option out of range.
void validate(const TrainOptions& options);
// One "key=value" per line, for the training record.
std::string describe(const TrainOptions& options);

struct TrainProgress {
  int repeat = 0, repeats = 1;
  int epoch = 0, epochs = 0;  // counted across LS and normal phases
  bool linear_start = false;
  double train_loss = 0, validation_error = 0;
  double seconds = 0;  // since train() started
};
// Called after every epoch of every repeat, never from two threads at once.
using ProgressCallback = std::function<void(const TrainProgress&)>;

struct TrainResult {
  Memn2n model;
  TrainingRecord record;  // repeats, best_repeat, threads, seed, options, epochs, wall time
  // With keep_repeats: every repeat of the chosen config, in repeat order (for the median
  // over seeds); otherwise empty.
  std::vector<Memn2n> repeats;
};

// Trains on `examples` (validation split taken from them). Word ids must be < vocab_size.
// Throws std::invalid_argument on bad options or an empty training set.
TrainResult train(const ModelConfig& config, const std::vector<Example>& examples,
                  const TrainOptions& options, const ProgressCallback& progress = {});

// The same for several candidate configs (a structural option chosen per model on the
// validation split, never on test): each candidate trains `repeats` seeds (the same seeds
// for every candidate), or a share of them (share_repeats); the candidate kept is the one
// whose `ensemble` best seeds have the lowest mean validation error; with mix_candidates the
// ensemble's members come from any candidate (choose_members).
// TrainingRecord::options names the candidates and the choice. Every candidate must have
// members == 1.
TrainResult train(const std::vector<ModelConfig>& candidates, const std::vector<Example>& examples,
                  const TrainOptions& options, const ProgressCallback& progress = {});

// The same with a validation set of its own (a dev file) in place of the held-out share:
// every example of `train_examples` trains, options.validation_share is ignored, and
// best_epoch needs `validation` non-empty. Throws std::invalid_argument as above.
TrainResult train(const std::vector<ModelConfig>& candidates,
                  const std::vector<Example>& train_examples,
                  const std::vector<Example>& validation, const TrainOptions& options,
                  const ProgressCallback& progress = {});

// Greedy forward selection of ensemble members on validation (Caruana et al. 2004, without
// replacement): distributions[j][i] is run j's answer distribution on validation example i,
// whose right answer is answers[i]. Starts from the run with the lowest validation error
// (then mean loss -log p(answer), then index), then adds, while fewer than n are chosen,
// the run whose addition gives the mean distribution the lowest error (then loss, then
// index). Returns the chosen runs in the order chosen. Needs n <= the number of runs.
std::vector<int> choose_members(const std::vector<std::vector<Vector>>& distributions,
                                const std::vector<int>& answers, int n);

// "pe=reference,gated,...": how a candidate config differs, for the training record
// (TrainingRecord::options adds ",permuted" to a candidate trained with permuted copies).
std::string describe_choice(const ModelConfig& config);

// The validation split: indices of held-out examples, `share` of each task, chosen by seed.
std::vector<char> validation_mask(const std::vector<Example>& examples, float share,
                                  std::uint64_t seed);

// The learning-rate schedule, one entry per epoch: `linear_start_epochs` epochs of linear
// start at `linear_start_learning_rate`, then `epochs` epochs from `learning_rate`, halved
// after every `lr_halve_every` of them.
struct EpochPlan {
  bool linear = false;
  float learning_rate = 0;
};
std::vector<EpochPlan> schedule(const TrainOptions& options);

// Rescales each gradient matrix whose Frobenius norm exceeds max_norm to max_norm (per
// matrix, not one global norm: the paper's clipping).
void clip_per_matrix(Gradients& g, float max_norm);

// Temporal indices for one training question with n memories (random noise).
std::vector<int> noisy_time(int n, int memory_size, float rate, Rng& rng);

}  // namespace memnet::engine
