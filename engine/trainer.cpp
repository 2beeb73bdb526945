#include "engine/trainer.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "engine/backprop.h"
#include "engine/random.h"
#include "engine/thread_pool.h"

namespace memnet::engine {

void validate(const TrainOptions& o) {
  auto require = [](bool ok, std::string_view what) {
    if (!ok) throw std::invalid_argument(fmt::format("train options: {}", what));
  };
  require(o.epochs >= 0 && o.epochs <= 100000, "epochs must be in [0, 100000]");
  require(o.linear_start_epochs >= 0 && o.linear_start_epochs <= 100000,
          "linear start epochs must be in [0, 100000]");
  require(o.epochs + o.linear_start_epochs > 0, "nothing to train: epochs and LS epochs are 0");
  require(o.learning_rate > 0 && std::isfinite(o.learning_rate), "learning rate must be > 0");
  require(o.linear_start_learning_rate > 0 && std::isfinite(o.linear_start_learning_rate),
          "linear start learning rate must be > 0");
  require(o.lr_halve_every >= 1, "lr_halve_every must be >= 1");
  require(o.batch_size >= 1 && o.batch_size <= 100000, "batch size must be in [1, 100000]");
  require(o.max_grad_norm > 0, "max grad norm must be > 0");
  require(o.random_noise >= 0 && o.random_noise <= 1, "random noise must be in [0, 1]");
  require(o.validation_share >= 0 && o.validation_share < 1, "validation share must be in [0, 1)");
  require(o.init_stddev > 0, "init stddev must be > 0");
  require(o.repeats >= 1 && o.repeats <= 1000, "repeats must be in [1, 1000]");
  require(o.threads >= 1 && o.threads <= 256, "threads must be in [1, 256]");
  require(o.ensemble >= 1 && o.ensemble <= o.repeats, "ensemble must be in [1, repeats]");
  require(o.weight_decay >= 0 && o.weight_decay < 1, "weight decay must be in [0, 1)");
  require(!o.best_epoch || o.validation_share > 0, "best epoch needs a validation split");
  require(!o.best_epoch || o.epochs > 0, "best epoch needs epochs after linear start");
  require(o.permuted_copies >= 0 && o.permuted_copies <= 100,
          "permuted copies must be in [0, 100]");
}

std::string describe(const TrainOptions& o) {
  std::string out = fmt::format(
      "epochs={}\nlearning_rate={}\nlr_halve_every={}\nlinear_start_epochs={}\n"
      "linear_start_learning_rate={}\nbatch_size={}\nmax_grad_norm={}\nrandom_noise={}\n"
      "validation_share={}\ninit_stddev={}\nseed={}\nrepeats={}\nensemble={}\nshare_repeats={}\n"
      "mix_candidates={}\nbest_epoch={}\nweight_decay={}\nthreads={}\n",
      o.epochs, o.learning_rate, o.lr_halve_every, o.linear_start_epochs,
      o.linear_start_learning_rate, o.batch_size, o.max_grad_norm, o.random_noise,
      o.validation_share, o.init_stddev, o.seed, o.repeats, o.ensemble, o.share_repeats,
      o.mix_candidates, o.best_epoch, o.weight_decay, o.threads);
  if (o.permuted_copies > 0 && !o.entities.empty()) {
    out += fmt::format("permuted_copies={}\npermute_auto={}\nentity_classes={}\n",
                       o.permuted_copies, o.permute_auto, o.entities.classes.size());
  }
  return out;
}

std::vector<char> validation_mask(const std::vector<Example>& examples, float share,
                                  std::uint64_t seed) {
  std::map<int, std::vector<size_t>> by_task;
  for (size_t i = 0; i < examples.size(); ++i) by_task[examples[i].task].push_back(i);
  std::vector<char> mask(examples.size(), 0);
  Rng rng(seed ^ 0x5bd1e995u);
  for (auto& [task, idx] : by_task) {
    shuffle(idx, rng);
    const size_t n_val = static_cast<size_t>(std::floor(share * static_cast<double>(idx.size())));
    for (size_t i = 0; i < n_val; ++i) mask[idx[i]] = 1;
  }
  return mask;
}

std::vector<int> noisy_time(int n, int memory_size, float rate, Rng& rng) {
  // nblank in [0, ceil(rate n)] empty memories are spread among the n real ones; the real
  // ones keep their order and take the temporal indices they would have (capped).
  const int max_blank = static_cast<int>(std::ceil(rate * static_cast<float>(n)));
  const int nblank =
      max_blank > 0
          ? static_cast<int>(uniform_below(rng, static_cast<std::uint64_t>(max_blank + 1)))
          : 0;
  std::vector<int> all(static_cast<size_t>(n + nblank));
  std::iota(all.begin(), all.end(), 0);
  shuffle(all, rng);
  std::vector<int> t(all.begin(), all.begin() + n);
  std::sort(t.begin(), t.end());
  for (int& ti : t) ti = std::min(ti, memory_size - 1);
  return t;
}

std::vector<EpochPlan> schedule(const TrainOptions& o) {
  std::vector<EpochPlan> plan;
  for (int e = 1; e <= o.linear_start_epochs; ++e)
    plan.push_back({true, o.linear_start_learning_rate});
  float lr = o.learning_rate;
  for (int e = 1; e <= o.epochs; ++e) {
    plan.push_back({false, lr});
    if (e % o.lr_halve_every == 0) lr /= 2;
  }
  return plan;
}

void clip_per_matrix(Gradients& g, float max_norm) {
  for (Matrix& G : g.g) {
    const float norm = G.norm();
    if (norm > max_norm) G *= max_norm / norm;
  }
}

namespace {

struct Score {
  double loss = 0;
  int wrong = 0;
};

Score score(const Memn2n& model, const std::vector<const Example*>& xs, bool linear) {
  Score s;
  for (const Example* x : xs) {
    ExampleLoss l = example_loss(model, *x, linear);
    s.loss += l.loss;
    s.wrong += l.correct ? 0 : 1;
  }
  return s;
}

struct RepeatOutcome {
  std::optional<Memn2n> model;
  std::vector<EpochRecord> epochs;
  double validation_error = 1, validation_loss = 0;
  int kept_epoch = 0;  // best_epoch: the epoch whose weights were kept (else 0: the last)
};

class Run {
 public:
  // permute: each epoch also trains o.permuted_copies renamed copies of every example.
  Run(const ModelConfig& config, bool permute, const std::vector<const Example*>& train,
      const std::vector<const Example*>& val, const TrainOptions& o, int repeat, int threads,
      const std::function<void(const TrainProgress&)>& report)
      : config_(config),
        copies_(permute ? o.permuted_copies : 0),
        train_(train),
        val_(val),
        o_(o),
        repeat_(repeat),
        pool_(threads),
        report_(report) {}

  RepeatOutcome run() {
    Rng rng(o_.seed * 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(repeat_) + 1);
    Memn2n model = Memn2n::random(config_, rng, o_.init_stddev);
    const int T = pool_.size();
    std::vector<Gradients> grads(static_cast<size_t>(T), Gradients(model));
    std::vector<ForwardTrace> traces(static_cast<size_t>(T));
    std::vector<double> losses(static_cast<size_t>(T));
    std::vector<std::vector<int>> times;
    RepeatOutcome out;
    const std::vector<EpochPlan> plan = schedule(o_);
    const int total_epochs = static_cast<int>(plan.size());
    // item k of an epoch is example k % N, renamed afresh when k >= N
    const size_t N = train_.size();
    std::vector<size_t> order(N * static_cast<size_t>(1 + copies_));
    std::iota(order.begin(), order.end(), 0);
    std::vector<const Example*> batch;
    std::vector<Example> renamed;
    std::vector<int> renaming;
    bool linear = false;
    std::optional<Memn2n> best;  // best_epoch: the weights of the best epoch so far
    Score best_score;
    for (int epoch_no = 1; epoch_no <= total_epochs; ++epoch_no) {
      const float lr = plan[static_cast<size_t>(epoch_no - 1)].learning_rate;
      linear = plan[static_cast<size_t>(epoch_no - 1)].linear;
      shuffle(order, rng);
      double epoch_loss = 0;
      for (size_t b0 = 0; b0 < order.size(); b0 += static_cast<size_t>(o_.batch_size)) {
        const size_t b1 = std::min(order.size(), b0 + static_cast<size_t>(o_.batch_size));
        const int B = static_cast<int>(b1 - b0);
        // temporal indices drawn on this thread, so the draw does not depend on threads
        times.resize(static_cast<size_t>(B));
        batch.resize(static_cast<size_t>(B));
        renamed.resize(static_cast<size_t>(B));
        for (int i = 0; i < B; ++i) {
          const size_t k = order[b0 + static_cast<size_t>(i)];
          const Example* item = train_[k % N];
          if (k >= N) {
            draw_renaming(o_.entities, config_.vocab_size, rng, renaming);
            if (rename(*item, renaming, o_.entities, renamed[static_cast<size_t>(i)]))
              item = &renamed[static_cast<size_t>(i)];
          }
          batch[static_cast<size_t>(i)] = item;
          const Example& x = *item;
          const int n = memory_slots(config_, x.story.size());
          if (o_.random_noise > 0 && config_.temporal) {
            times[static_cast<size_t>(i)] =
                noisy_time(n, config_.memory_size, o_.random_noise, rng);
          } else {
            times[static_cast<size_t>(i)].resize(static_cast<size_t>(n));
            std::iota(times[static_cast<size_t>(i)].begin(), times[static_cast<size_t>(i)].end(),
                      0);
          }
        }
        // contiguous chunks of the batch per thread; summed in chunk order
        pool_.parallel_for(T, [&](int t) {
          Gradients& g = grads[static_cast<size_t>(t)];
          g.set_zero();
          double l = 0;
          const int lo = B * t / T, hi = B * (t + 1) / T;
          for (int i = lo; i < hi; ++i) {
            const Example& x = *batch[static_cast<size_t>(i)];
            l += backprop(model, x, linear, &times[static_cast<size_t>(i)], g,
                          traces[static_cast<size_t>(t)])
                     .loss;
          }
          losses[static_cast<size_t>(t)] = l;
        });
        for (int t = 1; t < T; ++t) grads[0] += grads[static_cast<size_t>(t)];
        for (int t = 0; t < T; ++t) epoch_loss += losses[static_cast<size_t>(t)];
        update(model, grads[0], lr);
      }
      Score v = score(model, val_, linear);
      EpochRecord rec;
      rec.repeat = repeat_;
      rec.epoch = epoch_no;
      rec.linear_start = linear;
      rec.learning_rate = lr;
      rec.train_loss = epoch_loss / static_cast<double>(std::max<size_t>(1, order.size()));
      rec.validation_loss = val_.empty() ? 0 : v.loss / static_cast<double>(val_.size());
      rec.validation_error =
          val_.empty() ? 0 : static_cast<double>(v.wrong) / static_cast<double>(val_.size());
      if (o_.best_epoch && !linear &&
          (!best || v.wrong < best_score.wrong ||
           (v.wrong == best_score.wrong && v.loss <= best_score.loss))) {
        // ties go to the later epoch: same error, lower or equal loss, more training
        best_score = v;
        if (best) {
          best->mutable_parameters() = model.parameters();
        } else {
          best.emplace(model);
        }
        out.kept_epoch = epoch_no;
      }
      out.epochs.push_back(rec);
      if (report_) {
        TrainProgress p;
        p.repeat = repeat_;
        p.repeats = o_.repeats;
        p.epoch = epoch_no;
        p.epochs = total_epochs;
        p.linear_start = linear;
        p.train_loss = rec.train_loss;
        p.validation_error = rec.validation_error;
        report_(p);
      }
    }
    if (best) model = std::move(*best);
    Score v = score(model, val_, /*linear=*/false);
    out.validation_error =
        val_.empty() ? 0 : static_cast<double>(v.wrong) / static_cast<double>(val_.size());
    out.validation_loss = val_.empty() ? 0 : v.loss / static_cast<double>(val_.size());
    out.model.emplace(std::move(model));
    return out;
  }

 private:
  void update(Memn2n& model, Gradients& g, float lr) {
    clip_per_matrix(g, o_.max_grad_norm);
    auto& params = model.mutable_parameters();
    const float keep = 1 - lr * o_.weight_decay;
    for (size_t i = 0; i < params.size(); ++i) {
      if (o_.weight_decay > 0) params[i].value *= keep;
      params[i].value.noalias() -= lr * g.g[i];
    }
    model.zero_nil();
  }

  const ModelConfig& config_;
  int copies_;
  const std::vector<const Example*>& train_;
  const std::vector<const Example*>& val_;
  const TrainOptions& o_;
  int repeat_;
  ThreadPool pool_;
  const std::function<void(const TrainProgress&)>& report_;
};

}  // namespace

namespace {
TrainResult train_split(const std::vector<ModelConfig>& candidates,
                        const std::vector<const Example*>& train_set,
                        const std::vector<const Example*>& val_set, const TrainOptions& o,
                        const ProgressCallback& progress,
                        std::chrono::steady_clock::time_point start);
}  // namespace

TrainResult train(const ModelConfig& config, const std::vector<Example>& examples,
                  const TrainOptions& o, const ProgressCallback& progress) {
  return train(std::vector<ModelConfig>{config}, examples, o, progress);
}

TrainResult train(const std::vector<ModelConfig>& candidates, const std::vector<Example>& examples,
                  const TrainOptions& o, const ProgressCallback& progress) {
  if (candidates.empty()) throw std::invalid_argument("train: no model config");
  for (const ModelConfig& c : candidates) {
    validate(c);
    if (c.members != 1) throw std::invalid_argument("train: set TrainOptions::ensemble instead");
  }
  validate(o);
  if (examples.empty()) throw std::invalid_argument("train: no training examples");
  const auto start = std::chrono::steady_clock::now();
  const std::vector<char> mask = validation_mask(examples, o.validation_share, o.seed);
  std::vector<const Example*> train_set, val_set;
  for (size_t i = 0; i < examples.size(); ++i)
    (mask[i] ? val_set : train_set).push_back(&examples[i]);
  if (train_set.empty()) throw std::invalid_argument("train: every example went to validation");
  return train_split(candidates, train_set, val_set, o, progress, start);
}

TrainResult train(const std::vector<ModelConfig>& candidates,
                  const std::vector<Example>& train_examples,
                  const std::vector<Example>& validation, const TrainOptions& options,
                  const ProgressCallback& progress) {
  if (candidates.empty()) throw std::invalid_argument("train: no model config");
  for (const ModelConfig& c : candidates) {
    validate(c);
    if (c.members != 1) throw std::invalid_argument("train: set TrainOptions::ensemble instead");
  }
  TrainOptions check = options;  // the given set takes the held-out share's place
  check.best_epoch = false;
  validate(check);
  if (options.best_epoch && validation.empty())
    throw std::invalid_argument("train: best epoch needs a validation set");
  if (train_examples.empty()) throw std::invalid_argument("train: no training examples");
  const auto start = std::chrono::steady_clock::now();
  std::vector<const Example*> train_set, val_set;
  for (const Example& x : train_examples) train_set.push_back(&x);
  for (const Example& x : validation) val_set.push_back(&x);
  return train_split(candidates, train_set, val_set, options, progress, start);
}

namespace {

TrainResult train_split(const std::vector<ModelConfig>& candidates,
                        const std::vector<const Example*>& train_set,
                        const std::vector<const Example*>& val_set, const TrainOptions& o,
                        const ProgressCallback& progress,
                        std::chrono::steady_clock::time_point start) {
  // The configs trained: each candidate, without and with permuted copies when that is
  // chosen on validation too (permute_auto), else as the options say.
  const bool permuting = o.permuted_copies > 0 && !o.entities.empty();
  std::vector<ModelConfig> configs;
  std::vector<char> permuted;
  for (const ModelConfig& c : candidates) {
    if (permuting && o.permute_auto) {
      configs.push_back(c);
      permuted.push_back(0);
    }
    configs.push_back(c);
    permuted.push_back(permuting ? 1 : 0);
    if (permuting) validate(o.entities, c.vocab_size);
  }
  auto describe_config = [&](int c) {
    return describe_choice(configs[static_cast<size_t>(c)]) +
           (permuted[static_cast<size_t>(c)] ? ",permuted" : "");
  };
  std::mutex report_mutex;
  std::function<void(const TrainProgress&)> report;
  const int C = static_cast<int>(configs.size());
  const int R = o.repeats;
  if (progress) {
    report = [&](const TrainProgress& p) {
      std::lock_guard lock(report_mutex);
      TrainProgress q = p;
      q.repeats = C * R;
      q.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress(q);
    };
  }

  // Which runs train which candidate from which seed repeat. Every candidate trains every
  // seed (C x R runs), or, with share_repeats, the R seeds are dealt out in turn (run j
  // trains candidate j % C from seed j), so choosing costs no more than one config.
  const int runs = o.share_repeats ? std::max(R, C) : C * R;
  std::vector<int> candidate_of(static_cast<size_t>(runs)), seed_of(static_cast<size_t>(runs));
  std::vector<std::vector<int>> runs_of(static_cast<size_t>(C));
  for (int j = 0; j < runs; ++j) {
    candidate_of[static_cast<size_t>(j)] = o.share_repeats ? j % C : j / R;
    seed_of[static_cast<size_t>(j)] = o.share_repeats ? j : j % R;
    runs_of[static_cast<size_t>(candidate_of[static_cast<size_t>(j)])].push_back(j);
  }
  std::vector<RepeatOutcome> outcomes(static_cast<size_t>(runs));
  const bool parallel_runs = runs > 1 && o.threads > 1;
  ThreadPool outer(parallel_runs ? std::min(o.threads, runs) : 1);
  outer.parallel_for(runs, [&](int j) {
    const size_t c = static_cast<size_t>(candidate_of[static_cast<size_t>(j)]);
    Run run(configs[c], permuted[c] != 0, train_set, val_set, o, seed_of[static_cast<size_t>(j)],
            parallel_runs ? 1 : o.threads, report);
    RepeatOutcome out = run.run();
    for (EpochRecord& e : out.epochs) e.repeat = j;
    outcomes[static_cast<size_t>(j)] = std::move(out);
  });

  // Per candidate: its runs ranked by validation error (then loss); the candidate kept is
  // the one whose `ensemble` best runs have the lowest mean validation error (then loss).
  auto better = [&](int a, int b) {
    const auto& x = outcomes[static_cast<size_t>(a)];
    const auto& y = outcomes[static_cast<size_t>(b)];
    if (x.validation_error != y.validation_error) return x.validation_error < y.validation_error;
    if (x.validation_loss != y.validation_loss) return x.validation_loss < y.validation_loss;
    return a < b;
  };
  int chosen = 0;
  std::vector<int> chosen_runs;
  double chosen_error = 0, chosen_loss = 0;
  for (int c = 0; c < C; ++c) {
    std::vector<int> ranked = runs_of[static_cast<size_t>(c)];
    std::stable_sort(ranked.begin(), ranked.end(), better);
    ranked.resize(std::min(static_cast<size_t>(o.ensemble), ranked.size()));
    double error = 0, loss = 0;
    for (int j : ranked) {
      error += outcomes[static_cast<size_t>(j)].validation_error;
      loss += outcomes[static_cast<size_t>(j)].validation_loss;
    }
    error /= static_cast<double>(ranked.size());
    loss /= static_cast<double>(ranked.size());
    if (c == 0 || error < chosen_error || (error == chosen_error && loss < chosen_loss)) {
      chosen = c;
      chosen_runs = ranked;
      chosen_error = error;
      chosen_loss = loss;
    }
  }
  const bool mixed = o.mix_candidates && C > 1;
  if (mixed) {
    // Every run's answer distribution on validation, then members from any candidate.
    std::vector<std::vector<Vector>> dist(static_cast<size_t>(runs));
    std::vector<int> answers;
    for (const Example* x : val_set) answers.push_back(x->answer);
    ThreadPool pool(std::min(o.threads, runs));
    pool.parallel_for(runs, [&](int j) {
      for (const Example* x : val_set)
        dist[static_cast<size_t>(j)].push_back(
            outcomes[static_cast<size_t>(j)].model->answer(*x).a_hat);
    });
    chosen_runs = choose_members(dist, answers, std::min(o.ensemble, runs));
    chosen = candidate_of[static_cast<size_t>(chosen_runs[0])];
  }
  const int N = static_cast<int>(chosen_runs.size());

  TrainingRecord rec;
  rec.seed = o.seed;
  rec.repeats = runs;
  rec.best_repeat = chosen_runs[0];
  rec.threads = o.threads;
  rec.options = describe(o);
  if (C > 1) {
    std::string tried;
    for (int c = 0; c < C; ++c) tried += fmt::format(" {}", describe_config(c));
    rec.options += fmt::format("candidates={}\nchosen={}\n", tried.substr(1),
                               mixed ? std::string("mixed") : describe_config(chosen));
  }
  if (N > 1) rec.options += fmt::format("ensemble_runs={}\n", fmt::join(chosen_runs, ","));
  if (o.best_epoch) {
    std::vector<int> kept_epochs;
    for (int j : chosen_runs) kept_epochs.push_back(outcomes[static_cast<size_t>(j)].kept_epoch);
    rec.options += fmt::format("kept_epochs={}\n", fmt::join(kept_epochs, ","));
  }
  for (auto& out : outcomes)
    rec.epochs.insert(rec.epochs.end(), out.epochs.begin(), out.epochs.end());

  std::optional<Memn2n> kept;
  if (N == 1) {
    auto& best = *outcomes[static_cast<size_t>(chosen_runs[0])].model;
    if (o.keep_repeats) {
      kept.emplace(best);
    } else {
      kept.emplace(std::move(best));
    }
    rec.validation_error = outcomes[static_cast<size_t>(chosen_runs[0])].validation_error;
  } else {
    std::vector<const Memn2n*> members;
    for (int j : chosen_runs) members.push_back(&*outcomes[static_cast<size_t>(j)].model);
    kept.emplace(Memn2n::ensemble(members));
    int wrong = 0;
    for (const Example* x : val_set) wrong += kept->answer(*x).answer == x->answer ? 0 : 1;
    rec.validation_error =
        val_set.empty() ? 0 : static_cast<double>(wrong) / static_cast<double>(val_set.size());
  }
  std::vector<Memn2n> repeats;
  if (o.keep_repeats) {
    if (mixed) {  // every run, in run order
      for (auto& out : outcomes) repeats.push_back(std::move(*out.model));
    } else {
      for (int j : runs_of[static_cast<size_t>(chosen)])
        repeats.push_back(std::move(*outcomes[static_cast<size_t>(j)].model));
    }
  }
  rec.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return TrainResult{std::move(*kept), std::move(rec), std::move(repeats)};
}

}  // namespace

std::vector<int> choose_members(const std::vector<std::vector<Vector>>& distributions,
                                const std::vector<int>& answers, int n) {
  const int runs = static_cast<int>(distributions.size());
  if (n < 1 || n > runs) throw std::invalid_argument("choose_members: n must be in [1, runs]");
  const size_t examples = answers.size();
  // The mean distribution of the chosen runs plus run j: errors, then summed loss.
  std::vector<Vector> sum;
  std::vector<int> chosen;
  std::vector<char> taken(static_cast<size_t>(runs), 0);
  while (static_cast<int>(chosen.size()) < n) {
    int best = -1;
    int best_wrong = 0;
    double best_loss = 0;
    for (int j = 0; j < runs; ++j) {
      if (taken[static_cast<size_t>(j)]) continue;
      int wrong = 0;
      double loss = 0;
      const float m = static_cast<float>(chosen.size() + 1);
      for (size_t i = 0; i < examples; ++i) {
        const Vector& pj = distributions[static_cast<size_t>(j)][i];
        const Vector p = sum.empty() ? pj : Vector((sum[i] + pj) / m);
        Index arg = 0;
        p.maxCoeff(&arg);
        const int a = answers[i];
        wrong += arg == a ? 0 : 1;
        loss -= std::log(std::max(p(a), 1e-30f));
      }
      if (best < 0 || wrong < best_wrong || (wrong == best_wrong && loss < best_loss)) {
        best = j;
        best_wrong = wrong;
        best_loss = loss;
      }
    }
    taken[static_cast<size_t>(best)] = 1;
    chosen.push_back(best);
    const auto& pb = distributions[static_cast<size_t>(best)];
    if (sum.empty()) {
      sum = pb;
    } else {
      for (size_t i = 0; i < examples; ++i) sum[i] += pb[i];
    }
  }
  return chosen;
}

std::string describe_choice(const ModelConfig& c) {
  std::string out = fmt::format("pe={}", to_string(c.encoding));
  const std::string ext = describe_extensions(c);
  if (!ext.empty()) out += "," + ext;
  for (char& ch : out)
    if (ch == ' ') ch = ',';
  return out;
}

}  // namespace memnet::engine
