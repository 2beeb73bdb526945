// In-process latency of one question over a story of N facts, single thread, through each
// layer the HTTP server adds to, so the overhead of each is visible:
//   inline   core::ask: tokenize and embed the whole story, K hops, top answers
//   stored   StoryService::ask on the story stored in SQLite (embeddings read once, then
//            checked against the story's version on every call)
//   routes   Routes::handle: the stored ask plus JSON parsing and the JSON response
//   encode   the JSON response alone (ask_fields on a finished AskResult)
// bench/http_ask.sh adds the sockets (wrk against `memnet serve`).
//   memnet_bench_ask --model FILE [--name NAME] [--sentences 50] [--calls 5000]
//                    [--only inline|stored|routes|encode]  (the others run once: for perf)
// The model file is copied to a temporary file, which gets the story; FILE is not changed.
//
// On a story already stored (bench/large_store.sh), the stored ask alone, the first call
// (cold: the window read from the file) apart from the rest (warm):
//   memnet_bench_ask --db FILE --story ID [--question Q] [--select MODE] [--calls 5000]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/ask.h"
#include "core/model_file.h"
#include "core/story_service.h"
#include "datasets/babi.h"
#include "datasets/generator.h"
#include "server/json_codec.h"
#include "server/routes.h"

namespace {

struct Figures {
  double median = 0, p90 = 0, p99 = 0, max = 0;
};

Figures time_calls(int calls, const std::function<bool()>& call) {
  for (int i = 0; i < 50; ++i) call();  // warm up
  std::vector<double> us;
  us.reserve(static_cast<size_t>(calls));
  for (int i = 0; i < calls; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!call()) throw std::runtime_error("a call failed");
    const auto t1 = std::chrono::steady_clock::now();
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  auto q = [&](double f) {
    return us[static_cast<size_t>(f * static_cast<double>(us.size() - 1))];
  };
  return {q(0.5), q(0.9), q(0.99), us.back()};
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, name, only;  // only: inline, stored, routes or encode (for perf)
  std::string db_path, question_text = "Where is Mary?", select;
  std::int64_t story_id = 0;
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
    else if (flag == "--only")
      only = argv[i + 1];
    else if (flag == "--db")
      db_path = argv[i + 1];
    else if (flag == "--story")
      story_id = std::atoll(argv[i + 1]);
    else if (flag == "--question")
      question_text = argv[i + 1];
    else if (flag == "--select")
      select = argv[i + 1];
    else {
      std::cerr << "unknown flag " << flag << "\n";
      return 2;
    }
  }
  if (!db_path.empty()) {
    try {
      memnet::core::StoryService service(db_path);
      memnet::core::AskOptions options;
      if (!select.empty()) {
        options.select = memnet::core::parse_selection(select);
        if (!options.select) throw std::runtime_error("unknown --select " + select);
      }
      const auto t0 = std::chrono::steady_clock::now();
      const auto first = service.ask(story_id, question_text, "", options);
      const double cold =
          std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
      const Figures warm = time_calls(
          calls, [&] { return !service.ask(story_id, question_text, "", options).answer.empty(); });
      std::cout << fmt::format(
          "stored ask, story {} ({} facts, window {}, select {}): cold {:.1f} us; warm median "
          "{:.1f} us  p99 {:.1f} us  max {:.1f} us ({} calls)\n",
          story_id, first.sentences, first.window, memnet::core::selection_name(first.select), cold,
          warm.median, warm.p99, warm.max, calls);
      std::cout << fmt::format("RESULT cold_us={:.1f} p50_us={:.1f} p99_us={:.1f}\n", cold,
                               warm.median, warm.p99);
    } catch (const std::exception& e) {
      std::cerr << "memnet_bench_ask: error: " << e.what() << "\n";
      return 1;
    }
    return 0;
  }
  if (model_path.empty() || sentences < 1 || calls < 1) {
    std::cerr
        << "usage: memnet_bench_ask --model FILE [--name NAME] [--sentences 50] [--calls 5000]\n";
    return 2;
  }
  const auto tmp =
      std::filesystem::temp_directory_path() / fmt::format("memnet_bench_ask_{}.db", ::getpid());
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

    std::filesystem::copy_file(model_path, tmp);
    memnet::core::StoryService service(tmp.string());
    const auto stored = service.create_story("bench", m.name);
    service.add_facts(stored.id, story);
    memnet::server::Routes routes(service);
    const memnet::server::Request request{"POST",
                                          fmt::format("/v1/stories/{}/ask", stored.id),
                                          "application/json",
                                          fmt::format(R"({{"question": "{}"}})", question),
                                          "",
                                          ""};

    const auto skip = [&](const char* label) { return !only.empty() && only != label; };
    const Figures inline_ask = time_calls(skip("inline") ? 1 : calls, [&] {
      return !memnet::core::ask(m.model, m.vocab, story, question).answer.empty();
    });
    const Figures stored_ask = time_calls(skip("stored") ? 1 : calls, [&] {
      return !service.ask(stored.id, question, "").answer.empty();
    });
    const Figures routes_ask = time_calls(skip("routes") ? 1 : calls,
                                          [&] { return routes.handle(request).status == 200; });
    const memnet::core::AskResult answered = service.ask(stored.id, question, "");
    const Figures encode = time_calls(skip("encode") ? 1 : calls, [&] {
      memnet::server::JsonWriter w;
      w.begin_object();
      memnet::server::ask_fields(w, answered, true);
      w.end_object();
      return !w.str().empty();
    });

    std::cout << fmt::format(
        "ask latency, model '{}' (d={}, K={}, V={}, memory {}), story of {} facts, {} calls, "
        "1 thread:\n",
        m.name, m.model.config().dim, m.model.config().hops, m.model.config().vocab_size,
        m.model.config().memory_size, story.size(), calls);
    for (const auto& [label, f] : {std::pair{"inline  core::ask          ", inline_ask},
                                   std::pair{"stored  StoryService::ask  ", stored_ask},
                                   std::pair{"routes  Routes::handle     ", routes_ask},
                                   std::pair{"encode  JSON response only ", encode}}) {
      std::cout << fmt::format(
          "  {} median {:7.1f} us  p90 {:7.1f} us  p99 {:7.1f} us  max {:8.1f} us  ({:.0f} "
          "asks/s at the median)\n",
          label, f.median, f.p90, f.p99, f.max, 1e6 / f.median);
    }
  } catch (const std::exception& e) {
    std::cerr << "memnet_bench_ask: error: " << e.what() << "\n";
    std::filesystem::remove(tmp);
    return 1;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(tmp.string() + suffix);
  }
  return 0;
}
