// cli/commands.h
//
// The memnet subcommands. Each add_* registers its flags on the app and returns a runner
// that turns them into one library call. Exit codes (README "Exit codes"):
//   0 success, 1 bad input or failed operation (message on stderr), 2 bad command line.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace memnet::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

using Runner = std::function<int()>;

// Throws std::runtime_error "PATH: no such file" unless `path` exists: commands that only
// read a memnet file must not create an empty one.
void require_file(const std::string& path);

Runner add_train_command(CLI::App& app);
Runner add_eval_command(CLI::App& app);
Runner add_ask_command(CLI::App& app);
Runner add_generate_command(CLI::App& app);
Runner add_serve_command(CLI::App& app);
Runner add_story_command(CLI::App& app);
Runner add_import_command(CLI::App& app);
Runner add_chat_command(CLI::App& app);

}  // namespace memnet::cli
