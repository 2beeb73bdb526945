// memnet: train, evaluate and query end-to-end memory networks.
#include <CLI/CLI.hpp>
#include <exception>
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "cli/commands.h"
#include "memnet/version.h"

namespace memnet::cli {

void require_file(const std::string& path) {
  if (!std::filesystem::exists(path)) throw std::runtime_error(path + ": no such file");
}

}  // namespace memnet::cli

int main(int argc, char** argv) {
  using namespace memnet::cli;
  CLI::App app{
      "memnet: end-to-end memory networks (Sukhbaatar et al. 2015) for question answering"};
  app.set_version_flag("--version", memnet::kVersion);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 bad input or failed operation, 2 bad command line.\n"
      "Run 'memnet COMMAND --help' for a command's options.");
  Runner run;
  const Runner train = add_train_command(app);
  const Runner eval = add_eval_command(app);
  const Runner ask = add_ask_command(app);
  const Runner generate = add_generate_command(app);
  const Runner serve = add_serve_command(app);
  const Runner story = add_story_command(app);
  const Runner import = add_import_command(app);
  const Runner chat = add_chat_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  try {
    if (app.got_subcommand("train")) return train();
    if (app.got_subcommand("eval")) return eval();
    if (app.got_subcommand("ask")) return ask();
    if (app.got_subcommand("generate")) return generate();
    if (app.got_subcommand("serve")) return serve();
    if (app.got_subcommand("story")) return story();
    if (app.got_subcommand("import")) return import();
    if (app.got_subcommand("chat")) return chat();
  } catch (const std::exception& e) {
    std::cerr << "memnet: error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitUsage;
}
