#include "engine/trainer.h"

#include <doctest/doctest.h>

#include <random>

#include "engine/evaluate.h"

using namespace memnet::engine;

namespace {

// A tiny single-supporting-fact task in word ids: people 1-3 move to places 4-7 ("went"
// = 8, "where" = 9); the answer is the last place of the asked person.
std::vector<Example> toy_task(int count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Example> xs;
  for (int i = 0; i < count; ++i) {
    Example x;
    int last[4] = {0, 0, 0, 0};
    const int n = 2 + static_cast<int>(rng() % 5);
    for (int s = 0; s < n; ++s) {
      const int who = 1 + static_cast<int>(rng() % 3), where = 4 + static_cast<int>(rng() % 4);
      x.story.push_back({who, 8, where});
      last[who] = where;
      if (s == n - 1 || rng() % 2) {
        x.question = {9, who};
        x.answer = where;
        x.support = {s};
      }
    }
    // ask about someone who moved
    const int who = x.question[1];
    x.answer = last[who];
    for (int s = n - 1; s >= 0; --s) {
      if (x.story[static_cast<size_t>(s)][0] == who) {
        x.support = {s};
        break;
      }
    }
    x.task = 1;
    xs.push_back(x);
  }
  return xs;
}

ModelConfig toy_config() {
  ModelConfig c;
  c.dim = 12;
  c.vocab_size = 10;
  c.memory_size = 10;
  c.padded_memory = 6;
  c.sentence_length = 3;
  c.encoding = Encoding::kReference;
  return c;
}

TrainOptions quick_options() {
  TrainOptions o;
  o.epochs = 30;
  o.linear_start_epochs = 5;
  o.seed = 11;
  return o;
}

bool same_parameters(const Memn2n& a, const Memn2n& b) {
  for (size_t i = 0; i < a.parameters().size(); ++i) {
    if (a.parameters()[i].value != b.parameters()[i].value) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("trainer: learns a single-supporting-fact toy task") {
  const auto train_set = toy_task(600, 1), test_set = toy_task(200, 2);
  const TrainResult r = train(toy_config(), train_set, quick_options());
  const Evaluation ev = evaluate(r.model, test_set);
  CHECK_MESSAGE(ev.mean_error < 0.1, "test error ", ev.mean_error);
  CHECK(ev.tasks[0].support_hit() > 0.8);
  CHECK(r.record.epochs.size() == 35);
  CHECK(r.record.epochs.front().linear_start);
  CHECK_FALSE(r.record.epochs.back().linear_start);
  CHECK(r.record.epochs.back().train_loss < r.record.epochs.front().train_loss);
}

TEST_CASE("trainer: the nil word keeps a zero embedding after training") {
  const auto train_set = toy_task(100, 3);
  TrainOptions o = quick_options();
  o.epochs = 3;
  const TrainResult r = train(toy_config(), train_set, o);
  const auto specs = parameter_specs(r.model.config());
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].word_matrix)
      CHECK_MESSAGE(r.model.parameters()[i].value.col(0).isZero(0), specs[i].name);
  }
}

TEST_CASE("trainer: same seed and thread count give the same model bit for bit") {
  const auto train_set = toy_task(150, 4);
  TrainOptions o = quick_options();
  o.epochs = 4;
  o.linear_start_epochs = 1;
  SUBCASE("one thread") { o.threads = 1; }
  SUBCASE("two threads over the batch") { o.threads = 2; }
  SUBCASE("two threads over three repeats") {
    o.threads = 2;
    o.repeats = 3;
  }
  const TrainResult a = train(toy_config(), train_set, o);
  const TrainResult b = train(toy_config(), train_set, o);
  CHECK(same_parameters(a.model, b.model));
  CHECK(a.record.best_repeat == b.record.best_repeat);
  TrainOptions other = o;
  other.seed = o.seed + 1;
  CHECK_FALSE(same_parameters(a.model, train(toy_config(), train_set, other).model));
}

TEST_CASE("trainer: repeats do not depend on the thread count") {
  const auto train_set = toy_task(150, 5);
  TrainOptions o = quick_options();
  o.epochs = 3;
  o.repeats = 2;
  o.threads = 1;
  const TrainResult one = train(toy_config(), train_set, o);
  o.threads = 2;
  const TrainResult two = train(toy_config(), train_set, o);
  CHECK(same_parameters(one.model, two.model));
}

TEST_CASE("trainer: validation split takes the share of each task") {
  std::vector<Example> xs(30);
  for (size_t i = 0; i < xs.size(); ++i) xs[i].task = i < 20 ? 1 : 2;
  const auto mask = validation_mask(xs, 0.1f, 1);
  int t1 = 0, t2 = 0;
  for (size_t i = 0; i < xs.size(); ++i) (xs[i].task == 1 ? t1 : t2) += mask[i];
  CHECK(t1 == 2);
  CHECK(t2 == 1);
}

TEST_CASE("trainer: random noise keeps order, stays in range and adds gaps") {
  std::mt19937_64 rng(3);
  bool gap = false;
  for (int trial = 0; trial < 200; ++trial) {
    const auto t = noisy_time(20, 50, 0.1f, rng);
    REQUIRE(t.size() == 20);
    for (size_t i = 1; i < t.size(); ++i) CHECK(t[i] > t[i - 1]);
    CHECK(t.back() <= 21);
    gap = gap || t.back() > 19;
  }
  CHECK(gap);
  const auto capped = noisy_time(10, 10, 0.5f, rng);
  for (int ti : capped) CHECK(ti <= 9);
}

TEST_CASE("trainer: bad options are rejected with the option named") {
  TrainOptions o;
  o.batch_size = 0;
  CHECK_THROWS_WITH_AS(validate(o), doctest::Contains("batch size"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(train(toy_config(), {}, TrainOptions{}),
                       doctest::Contains("no training examples"), std::invalid_argument);
}

TEST_CASE("trainer: the learning rate is constant during linear start, then halves on schedule") {
  TrainOptions o;
  o.linear_start_epochs = 3;
  o.linear_start_learning_rate = 0.005f;
  o.epochs = 7;
  o.learning_rate = 0.01f;
  o.lr_halve_every = 3;
  const std::vector<EpochPlan> plan = schedule(o);
  REQUIRE(plan.size() == 10);
  const float expected[] = {0.005f, 0.005f, 0.005f, 0.01f,  0.01f,
                            0.01f,  0.005f, 0.005f, 0.005f, 0.0025f};
  for (size_t e = 0; e < plan.size(); ++e) {
    CAPTURE(e);
    CHECK(plan[e].linear == (e < 3));
    CHECK(plan[e].learning_rate == expected[e]);
  }
  // and training follows it: the record's epochs carry the same rates
  o.seed = 4;
  const TrainResult r = train(toy_config(), toy_task(60, 2), o);
  REQUIRE(r.record.epochs.size() == 10);
  for (size_t e = 0; e < 10; ++e) {
    CHECK(r.record.epochs[e].learning_rate == doctest::Approx(expected[e]));
    CHECK(r.record.epochs[e].linear_start == (e < 3));
  }
}

TEST_CASE("trainer: gradients are clipped per matrix, not by one global norm") {
  ModelConfig c = toy_config();
  Rng rng(1);
  const Memn2n model = Memn2n::random(c, rng);
  Gradients g(model);
  g.g[0].setConstant(0);
  g.g[0](0, 1) = 30;
  g.g[0](1, 1) = 40;  // norm 50: rescaled to 40
  g.g[1].setConstant(0);
  g.g[1](2, 3) = 39;  // norm 39: kept as it is
  for (size_t i = 2; i < g.g.size(); ++i) g.g[i].setConstant(0.001f);
  const Gradients before = g;
  clip_per_matrix(g, 40.0f);
  CHECK(g.g[0].norm() == doctest::Approx(40.0f));
  CHECK(g.g[0](0, 1) == doctest::Approx(24.0f));  // direction kept: 30 * 40/50
  CHECK(g.g[0](1, 1) == doctest::Approx(32.0f));
  CHECK(g.g[1] == before.g[1]);  // a global clip (norm ~63) would have scaled this too
  for (size_t i = 2; i < g.g.size(); ++i) CHECK(g.g[i] == before.g[i]);
}

TEST_CASE("trainer: ensemble keeps the N best repeats as one model") {
  TrainOptions o = quick_options();
  o.repeats = 3;
  o.ensemble = 2;
  o.threads = 2;
  const auto xs = toy_task(200, 5);
  const TrainResult r = train(toy_config(), xs, o);
  CHECK(r.model.config().members == 2);
  CHECK(r.record.options.find("ensemble_runs=") != std::string::npos);
  o.ensemble = 4;
  CHECK_THROWS_AS(train(toy_config(), xs, o), std::invalid_argument);
}

TEST_CASE("trainer: candidate configs are chosen on validation and named in the record") {
  TrainOptions o = quick_options();
  o.repeats = 2;
  ModelConfig good = toy_config();
  ModelConfig bad = toy_config();
  bad.hops = 1;
  bad.dim = 1;  // cannot separate four places
  const auto xs = toy_task(200, 6);
  const TrainResult r = train(std::vector<ModelConfig>{bad, good}, xs, o);
  CHECK(r.model.config().dim == 12);
  CHECK(r.record.options.find("candidates=") != std::string::npos);
  CHECK(r.record.epochs.size() == 4u * 35u);  // 2 candidates x 2 repeats x 35 epochs
}

TEST_CASE("trainer: shared repeats deal the seeds out among the candidates") {
  TrainOptions o = quick_options();
  o.repeats = 3;
  o.share_repeats = true;
  o.keep_repeats = true;
  ModelConfig good = toy_config();
  ModelConfig bad = toy_config();
  bad.hops = 1;
  bad.dim = 1;
  const TrainResult r = train(std::vector<ModelConfig>{good, bad}, toy_task(200, 6), o);
  CHECK(r.record.epochs.size() == 3u * 35u);  // 3 runs in all, not 2 x 3
  CHECK(r.model.config().dim == 12);
  CHECK(r.repeats.size() == 2);  // runs 0 and 2 trained the chosen (first) candidate
}

TEST_CASE("trainer: ensemble members are chosen greedily by the ensemble's validation error") {
  // Four validation questions over two words, answers 0, 0, 1, 1. Alone, run 2 is best (1
  // wrong; runs 0 and 1: 2 wrong each). With run 2, run 1 makes every answer right, while
  // run 0 leaves 2 wrong: so run 1 is added, though it is no better than run 0 alone.
  const auto dist = [](std::initializer_list<std::pair<float, float>> ps) {
    std::vector<Vector> out;
    for (const auto& [a, b] : ps) {
      Vector v(2);
      v << a, b;
      out.push_back(v);
    }
    return out;
  };
  const std::vector<int> answers = {0, 0, 1, 1};
  const std::vector<std::vector<Vector>> runs = {
      dist({{0.9f, 0.1f}, {0.9f, 0.1f}, {0.65f, 0.35f}, {0.65f, 0.35f}}),
      dist({{0.45f, 0.55f}, {0.45f, 0.55f}, {0.1f, 0.9f}, {0.05f, 0.95f}}),
      dist({{0.6f, 0.4f}, {0.6f, 0.4f}, {0.4f, 0.6f}, {0.9f, 0.1f}}),
  };
  const std::vector<int> two = choose_members(runs, answers, 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0] == 2);
  CHECK(two[1] == 1);
  CHECK(choose_members(runs, answers, 3).size() == 3);
  CHECK_THROWS_AS(choose_members(runs, answers, 4), std::invalid_argument);
}

TEST_CASE("trainer: mixed candidates make one ensemble from the runs of both") {
  TrainOptions o = quick_options();
  o.repeats = 3;
  o.ensemble = 3;
  o.mix_candidates = true;
  o.keep_repeats = true;
  ModelConfig gated = toy_config();
  gated.gated = true;
  ModelConfig plain = toy_config();
  const auto xs = toy_task(200, 6);
  const TrainResult r = train(std::vector<ModelConfig>{gated, plain}, xs, o);
  CHECK(r.model.config().members == 3);
  CHECK(r.record.options.find("chosen=mixed") != std::string::npos);
  REQUIRE(r.repeats.size() == 6);  // every run of both candidates, gated ones first
  for (int j = 0; j < 3; ++j) CHECK(r.repeats[static_cast<size_t>(j)].config().gated);
  for (int j = 3; j < 6; ++j) CHECK_FALSE(r.repeats[static_cast<size_t>(j)].config().gated);
  // The ensemble is the one choose_members picks from those runs' validation answers.
  const std::vector<char> mask = validation_mask(xs, o.validation_share, o.seed);
  std::vector<std::vector<Vector>> dist(6);
  std::vector<int> answers;
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!mask[i]) continue;
    answers.push_back(xs[i].answer);
    for (size_t j = 0; j < 6; ++j) dist[j].push_back(r.repeats[j].answer(xs[i]).a_hat);
  }
  std::vector<const Memn2n*> members;
  for (const int j : choose_members(dist, answers, 3))
    members.push_back(&r.repeats[static_cast<size_t>(j)]);
  const Memn2n expected = Memn2n::ensemble(members);
  CHECK(r.model.config().ungated_members == expected.config().ungated_members);
  REQUIRE(r.model.parameters().size() == expected.parameters().size());
  CHECK(same_parameters(r.model, expected));
}

TEST_CASE("trainer: best epoch keeps the weights of the epoch best on validation") {
  TrainOptions o = quick_options();
  o.learning_rate = 0.05f;  // a noisy run, so that the last epoch is not always the best
  o.best_epoch = true;
  const auto xs = toy_task(200, 9);
  const TrainResult r = train(toy_config(), xs, o);
  // the kept weights score exactly the best normal-schedule epoch's validation error
  double best = 2;
  int best_epoch = 0;
  for (const EpochRecord& e : r.record.epochs) {
    if (e.linear_start) continue;
    if (e.validation_error <= best) {
      if (e.validation_error < best) best_epoch = e.epoch;
      best = e.validation_error;
    }
  }
  CHECK(r.record.validation_error == doctest::Approx(best));
  const auto at = r.record.options.find("kept_epochs=");
  REQUIRE(at != std::string::npos);
  const int kept = std::stoi(r.record.options.substr(at + 12));
  CHECK(kept > o.linear_start_epochs);
  CHECK(r.record.epochs[static_cast<size_t>(kept - 1)].validation_error == best);
  CHECK(kept >= best_epoch);  // ties go to the later epoch (lower or equal loss)
  // without it the last epoch's weights are kept
  o.best_epoch = false;
  const TrainResult last = train(toy_config(), xs, o);
  CHECK(last.record.validation_error ==
        doctest::Approx(last.record.epochs.back().validation_error));
  CHECK(last.record.options.find("kept_epochs=") == std::string::npos);
  // and it needs a validation split
  o.best_epoch = true;
  o.validation_share = 0;
  CHECK_THROWS_AS(train(toy_config(), xs, o), std::invalid_argument);
}

TEST_CASE("trainer: weight decay shrinks the weights and keeps the nil column zero") {
  TrainOptions o = quick_options();
  const auto xs = toy_task(200, 4);
  auto squared_norm = [](const Memn2n& m) {
    double s = 0;
    for (const NamedMatrix& p : m.parameters()) s += p.value.squaredNorm();
    return s;
  };
  const TrainResult plain = train(toy_config(), xs, o);
  o.weight_decay = 0.2f;
  const TrainResult decayed = train(toy_config(), xs, o);
  CHECK(squared_norm(decayed.model) < 0.8 * squared_norm(plain.model));
  // the word matrices' nil columns (zero in the plain model) stay exactly zero
  int nil_columns = 0;
  for (size_t i = 0; i < plain.model.parameters().size(); ++i) {
    if (!plain.model.parameters()[i].value.col(0).isZero(0)) continue;
    ++nil_columns;
    CHECK(decayed.model.parameters()[i].value.col(0).isZero(0));
  }
  CHECK(nil_columns >= 2);
  CHECK(decayed.record.options.find("weight_decay=0.2") != std::string::npos);
  o.weight_decay = -0.1f;
  CHECK_THROWS_AS(train(toy_config(), xs, o), std::invalid_argument);
}

TEST_CASE("trainer: entity permutation teaches an answer the training set never gives") {
  // Place 7 is never an answer in training, only in the class of places: without renamed
  // copies no model can answer it; with them it is learned like the other places.
  std::vector<Example> train_set;
  for (const Example& x : toy_task(600, 14))
    if (x.answer != 7) train_set.push_back(x);
  std::vector<Example> about_7;
  for (const Example& x : toy_task(600, 15))
    if (x.answer == 7) about_7.push_back(x);
  REQUIRE(about_7.size() > 30);
  TrainOptions o = quick_options();
  o.epochs = 40;
  o.entities.classes = {{1, 2, 3}, {4, 5, 6, 7}};
  const auto error_on_7 = [&](const Memn2n& m) {
    int wrong = 0;
    for (const Example& x : about_7) wrong += m.answer(x).answer == x.answer ? 0 : 1;
    return static_cast<double>(wrong) / static_cast<double>(about_7.size());
  };
  const TrainResult plain = train(toy_config(), train_set, o);
  o.permuted_copies = 1;
  const TrainResult renamed = train(toy_config(), train_set, o);
  CHECK(error_on_7(plain.model) > 0.9);
  CHECK(error_on_7(renamed.model) < 0.2);
  CHECK(renamed.record.options.find("permuted_copies=1") != std::string::npos);
  CHECK(same_parameters(renamed.model, train(toy_config(), train_set, o).model));

  SUBCASE("auto trains both and keeps the one better on validation") {
    o.permute_auto = true;
    o.repeats = 2;
    o.threads = 2;  // the four runs two at a time, sharing the classes
    o.epochs = 10;
    const TrainResult r = train(toy_config(), train_set, o);
    CHECK(r.record.options.find("candidates=pe=reference pe=reference,permuted") !=
          std::string::npos);
    CHECK(r.record.epochs.size() == 4u * 15u);  // 2 candidates x 2 repeats x 15 epochs
  }
  SUBCASE("no classes: the copies are not made") {
    o.entities = EntityClasses{};
    CHECK(same_parameters(plain.model, train(toy_config(), train_set, o).model));
  }
}
