// memnet: train, evaluate and query end-to-end memory networks.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "memnet/version.h"

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
  } catch (const std::exception& e) {
    std::cerr << "memnet: error: " << e.what() << "\n";
    return kExitFailure;
  }
  return kExitUsage;
}
