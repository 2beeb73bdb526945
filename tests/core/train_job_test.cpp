#include "core/train_job.h"

#include <doctest/doctest.h>

using memnet::core::Recipe;
using memnet::core::recipe_job;
using memnet::core::TrainJob;

namespace {

struct Schedule {
  float learning_rate;
  int epochs, lr_halve_every, linear_start_epochs, dim;
};

void check_schedule(const TrainJob& job, const Schedule& s) {
  CHECK(job.options.learning_rate == s.learning_rate);
  CHECK(job.options.epochs == s.epochs);
  CHECK(job.options.lr_halve_every == s.lr_halve_every);
  CHECK(job.options.linear_start_epochs == s.linear_start_epochs);
  CHECK(job.config.dim == s.dim);
}

}  // namespace

TEST_CASE("recipes: the best schedules as measured, the paper's exactly") {
  // docs/benchmarks.md, "The schedule": 1k one model per task and joint
  const TrainJob single = recipe_job(Recipe::kBest, false);
  const TrainJob joint = recipe_job(Recipe::kBest, true);
  check_schedule(single, {0.02f, 150, 37, 20, 20});
  check_schedule(joint, {0.01f, 100, 25, 30, 50});
  // the larger 10k model keeps the paper's schedule, the one it was measured with
  for (const TrainJob* job : {&single, &joint}) {
    REQUIRE(job->large_model.has_value());
    CHECK(job->large_model->learning_rate == 0.01f);
  }
  CHECK(single.large_model->epochs == 100);
  CHECK(single.large_model->lr_halve_every == 25);
  CHECK(joint.large_model->epochs == 60);
  CHECK(joint.large_model->lr_halve_every == 15);
  // the paper: section 4.2, no gates and no larger model
  const TrainJob paper = recipe_job(Recipe::kPaper, false);
  check_schedule(paper, {0.01f, 100, 25, 20, 20});
  check_schedule(recipe_job(Recipe::kPaper, true), {0.01f, 60, 15, 30, 50});
  CHECK_FALSE(paper.config.gated);
  CHECK_FALSE(paper.large_model.has_value());
  // docs/benchmarks.md, "Gated and ungated joint models together": joint ensembles mix
  CHECK(joint.mixed_gates);
  CHECK_FALSE(single.mixed_gates);
  CHECK_FALSE(recipe_job(Recipe::kPaper, true).mixed_gates);
  // docs/benchmarks.md, "Entity permutation": one model per task on 1k only
  CHECK(single.permute_entities == TrainJob::PermuteEntities::kAuto);
  CHECK(single.options.permuted_copies == 1);
  CHECK(single.large_model->permute_entities == TrainJob::PermuteEntities::kOff);
  CHECK(joint.permute_entities == TrainJob::PermuteEntities::kOff);
  CHECK(paper.permute_entities == TrainJob::PermuteEntities::kOff);
  CHECK(paper.options.permuted_copies == 0);
}
