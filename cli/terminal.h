// cli/terminal.h
//
// Small helpers for what the CLI prints: whether stderr/stdout is a terminal, a duration,
// a horizontal bar, and the display width of UTF-8 text (code points, not bytes).
#pragma once

#include <string>
#include <string_view>

namespace memnet::cli {

bool stderr_is_terminal();
bool stdout_is_terminal();
bool stdin_is_terminal();
std::string format_duration(double seconds);  // "42s", "3m05s", "1h02m"
std::string bar(double fraction, int width);  // Unicode eighth blocks, width cells
int display_width(std::string_view utf8);
std::string pad_right(const std::string& utf8, int width);  // truncates with "..." if longer

}  // namespace memnet::cli
