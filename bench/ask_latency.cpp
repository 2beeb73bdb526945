// In-process latency of core::ask (tokenize, encode, K hops, top answers) on a story of N
// sentences, single thread. Prints the median and tail over many calls.
//   memnet_bench_ask --model FILE [--name NAME] [--sentences 50] [--calls 5000]
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/model_file.h"
#include "datasets/babi.h"
#include "datasets/generator.h"

int main(int argc, char** argv) {
  std::string model_path, name;
  int sentences = 50, calls = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model")
      model_path = argv[i + 1];
    else if (flag == "--name")
      name = argv[i + 1];
    else if (flag == "--sentences")
      sentences = std::atoi(argv[i + 1]);
    else if (flag == "--calls")
      calls = std::atoi(argv[i + 1]);
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (model_path.empty() || sentences < 1 || calls < 1) {
    std::cerr
        << "usage: memnet_bench_ask --model FILE [--name NAME] [--sentences 50] [--calls 5000]\n";
    return 2;
  }
  try {
    const auto m = memnet::core::load_model_file(model_path, name);
    // A story of `sentences` statements from the generator's single-supporting-fact task.
    std::istringstream text(memnet::datasets::generate_babi(1, sentences * 2, 7));
    std::vector<std::string> story;
    for (const auto& s : memnet::datasets::parse_babi(text, "generated")) {
      for (const auto& st : s.statements) {
        if (static_cast<int>(story.size()) < sentences) story.push_back(st.text);
      }
    }
    const std::string question = "Where is Mary?";
    std::vector<double> us;
    us.reserve(static_cast<size_t>(calls));
    for (int i = 0; i < 50; ++i) memnet::core::ask(m.model, m.vocab, story, question);  // warm up
    for (int i = 0; i < calls; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      const auto r = memnet::core::ask(m.model, m.vocab, story, question);
      const auto t1 = std::chrono::steady_clock::now();
      if (r.answer.empty()) return 1;
      us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    std::sort(us.begin(), us.end());
    auto q = [&](double f) {
      return us[static_cast<size_t>(f * static_cast<double>(us.size() - 1))];
    };
    std::cout << fmt::format(
        "ask latency, model '{}' (d={}, K={}, V={}), story of {} sentences, {} calls, 1 thread:\n"
        "  median {:.1f} us  p90 {:.1f} us  p99 {:.1f} us  max {:.1f} us  ({:.0f} asks/s at the "
        "median)\n",
        m.name, m.model.config().dim, m.model.config().hops, m.model.config().vocab_size,
        story.size(), calls, q(0.5), q(0.9), q(0.99), us.back(), 1e6 / q(0.5));
  } catch (const std::exception& e) {
    std::cerr << "memnet_bench_ask: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
