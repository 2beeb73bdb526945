#include "core/train_job.h"

#include <doctest/doctest.h>

using memnet::core::Recipe;
using memnet::core::recipe_job;

TEST_CASE("recipes: the best schedules as measured, the paper's exactly") {
  // docs/benchmarks.md, "The schedule": 1k one model per task and joint
  const auto single = recipe_job(Recipe::kBest, false);
  CHECK(single.options.learning_rate == 0.02f);
  CHECK(single.options.epochs == 150);
  CHECK(single.options.lr_halve_every == 37);
  CHECK(single.options.linear_start_epochs == 20);
  CHECK(single.config.dim == 20);
  const auto joint = recipe_job(Recipe::kBest, true);
  CHECK(joint.options.learning_rate == 0.01f);
  CHECK(joint.options.epochs == 100);
  CHECK(joint.options.lr_halve_every == 25);
  CHECK(joint.options.linear_start_epochs == 30);
  CHECK(joint.config.dim == 50);
  // the larger 10k model keeps the paper's schedule, the one it was measured with
  for (const auto* job : {&single, &joint}) {
    REQUIRE(job->large_model.has_value());
    CHECK(job->large_model->learning_rate == 0.01f);
  }
  CHECK(single.large_model->epochs == 100);
  CHECK(single.large_model->lr_halve_every == 25);
  CHECK(joint.large_model->epochs == 60);
  CHECK(joint.large_model->lr_halve_every == 15);
  // the paper: section 4.2, and no larger model
  const auto paper = recipe_job(Recipe::kPaper, false);
  CHECK(paper.options.learning_rate == 0.01f);
  CHECK(paper.options.epochs == 100);
  CHECK(paper.options.lr_halve_every == 25);
  CHECK_FALSE(paper.config.gated);
  CHECK_FALSE(paper.large_model.has_value());
  const auto paper_joint = recipe_job(Recipe::kPaper, true);
  CHECK(paper_joint.options.epochs == 60);
  CHECK(paper_joint.options.lr_halve_every == 15);
}
