// tests/dialog_fixture.h
//
// A toy dialog bAbI folder (task 1 layout) where only match-type features can answer the
// OOV test: the user asks for a cuisine and the bot must call the API with it. Training and
// dev use italian and french; tst-OOV asks for spanish, a word the model never sees.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include "core/dialog_job.h"

namespace memnet::testing {

inline void write_toy_dialog_file(const std::filesystem::path& path, int dialogs,
                                  const char* const* cuisines, int n_cuisines) {
  std::ofstream out(path);
  for (int d = 0; d < dialogs; ++d) {
    const std::string c = cuisines[d % n_cuisines];
    out << "1 hi\thello what can i help you with today\n";
    if (d % 3 == 0) out << "2 <SILENCE>\tany preference on a type of cuisine\n";
    out << (d % 3 == 0 ? "3 " : "2 ") << "i want " << c << " food\tapi_call " << c << "\n";
    out << (d % 3 == 0 ? "4 " : "3 ") << "thanks\tyou're welcome\n\n";
  }
}

inline std::filesystem::path make_toy_dialog_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  {
    std::ofstream c(dir / "dialog-babi-candidates.txt");
    c << "1 hello what can i help you with today\n1 any preference on a type of cuisine\n"
         "1 api_call italian\n1 api_call french\n1 api_call spanish\n1 you're welcome\n";
    std::ofstream kb(dir / "dialog-babi-kb-all.txt");
    kb << "1 resto_a R_cuisine italian\n1 resto_b R_cuisine french\n"
          "1 resto_c R_cuisine spanish\n";
  }
  static const char* const seen[] = {"italian", "french"};
  static const char* const unseen[] = {"spanish"};
  write_toy_dialog_file(dir / "dialog-babi-task1-API-calls-trn.txt", 24, seen, 2);
  write_toy_dialog_file(dir / "dialog-babi-task1-API-calls-dev.txt", 6, seen, 2);
  write_toy_dialog_file(dir / "dialog-babi-task1-API-calls-tst.txt", 6, seen, 2);
  write_toy_dialog_file(dir / "dialog-babi-task1-API-calls-tst-OOV.txt", 6, unseen, 1);
  return dir;
}

// A small, quick job on the toy folder.
inline core::DialogTrainJob toy_dialog_job(const std::filesystem::path& dir,
                                           const std::string& model_path, bool match_type) {
  core::DialogTrainJob job = core::dialog_recipe_job(core::Recipe::kBest);
  job.data_dir = dir.string();
  job.model_path = model_path;
  job.match_type = match_type;
  job.config.dim = 16;
  job.config.memory_size = 10;
  job.options.epochs = 40;
  job.options.lr_halve_every = 20;
  job.options.batch_size = 8;
  job.options.seed = 3;
  job.options.threads = 1;
  return job;
}

}  // namespace memnet::testing
