// memnet generate: write bAbI-style tasks of our own (datasets/generator.h).
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "datasets/generator.h"

namespace memnet::cli {

namespace {

struct GenerateFlags {
  std::string out;
  int train = 1000;
  int test = 1000;
  std::uint64_t seed = 1;
};

}  // namespace

Runner add_generate_command(CLI::App& app) {
  auto f = std::make_shared<GenerateFlags>();
  CLI::App* cmd = app.add_subcommand("generate",
                                     "Write bAbI-style tasks (1 single supporting fact, 2 two "
                                     "supporting facts, 3 yes/no, 4 counting)");
  cmd->add_option("--out", f->out, "Folder to write qaN_*_train.txt / _test.txt into")->required();
  cmd->add_option("--train", f->train, "Questions per training file")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--test", f->test, "Questions per test file")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  cmd->add_option("--seed", f->seed, "Random seed")->capture_default_str();
  return [f] {
    datasets::write_dataset(f->out, f->train, f->test, f->seed);
    std::cout << fmt::format("wrote tasks 1-4 to {} ({} train and {} test questions each)\n",
                             f->out, f->train, f->test);
    return kExitOk;
  };
}

}  // namespace memnet::cli
