// memnet chat: flags -> core::ChatOptions -> core::run_chat over stdin/stdout.
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/terminal.h"
#include "core/dialog_model.h"
#include "core/dialog_session.h"

namespace memnet::cli {

namespace {

struct ChatFlags {
  std::string model_path, name;
  core::ChatOptions options;
  bool no_api = false;
};

int run(const ChatFlags& f) {
  const core::DialogModel model = core::load_dialog_model_file(f.model_path, f.name);
  core::ChatOptions options = f.options;
  options.prompt = stdin_is_terminal();
  options.simulate_api = !f.no_api;
  core::run_chat(model, std::cin, std::cout, std::cerr, options);
  return kExitOk;
}

}  // namespace

Runner add_chat_command(CLI::App& app) {
  auto f = std::make_shared<ChatFlags>();
  CLI::App* cmd = app.add_subcommand(
      "chat",
      "Talk to a dialog model: one user line in, one bot line out (works on a pipe); "
      "/api TEXT adds an API result, /reset starts over, /quit ends");
  cmd->add_option("--model", f->model_path,
                  "SQLite file with a dialog model ('memnet train "
                  "--dialog')")
      ->required();
  cmd->add_option("--name", f->name, "Dialog model in the file (default: its only one)");
  cmd->add_flag("--attention", f->options.attention,
                "After each reply, show the API results it produced and each hop's attention "
                "over the history (indented lines)");
  cmd->add_option("--top-history", f->options.top_history,
                  "With --attention: each hop's N strongest utterances only (0: all)")
      ->capture_default_str()
      ->check(CLI::Range(0, 100000));
  cmd->add_flag("--no-api", f->no_api,
                "Do not answer the bot's api_call replies from the model's knowledge base");
  return [f] { return run(*f); };
}

}  // namespace memnet::cli
