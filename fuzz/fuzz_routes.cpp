// fuzz/fuzz_routes.cpp
//
// Fuzzes the HTTP API (server::Routes::handle, server/routes.h) on arbitrary request bodies,
// over a memnet file made once per process in a temporary folder: a random question-
// answering model (tests/model_fixture.h) with a story of facts and an imported question,
// and a dialog model trained for a few epochs on the toy dialog folder
// (tests/dialog_fixture.h) with one dialog started. So the ask, facts and dialog routes run
// their models, not just their validation.
//
// Input: byte 0 picks the route, byte 1 the Content-Type; the rest is the body, or for the
// routes marked so, the end of the target (a query string, a path segment, a whole path).
// A bug is a crash, a sanitizer report, an exception escaping handle(), or any response
// with a status of 500 or more, except 503 busy and 507 insufficient_storage, which report
// the environment (a file locked by another process, a full disk), not the request.
//
// The file is put back as it was made every kResetEvery inputs, so that stories, facts
// and dialogs created by inputs do not pile up and slow every request down. Between resets
// inputs see each other's writes: a crash that only a sequence triggers shows up in the
// fuzzer's log but may not reproduce from its one saved input.
#include <fmt/format.h>
#include <stdlib.h>  // mkdtemp

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dialog_job.h"
#include "core/dialog_service.h"
#include "core/story_service.h"
#include "server/routes.h"
#include "tests/dialog_fixture.h"
#include "tests/model_fixture.h"

namespace fs = std::filesystem;
namespace core = memnet::core;
namespace server = memnet::server;

namespace {

constexpr int kResetEvery = 500;

struct Route {
  const char* method;
  std::string target;
  bool input_in_target = false;  // the input ends the target instead of being the body
};

class Fixture {
 public:
  Fixture() {
    std::string pattern = (fs::temp_directory_path() / "memnet_fuzz_routes_XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    dir_ = pattern;
    make_file();
    open();
  }
  ~Fixture() {
    close();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  server::Response handle(const server::Request& request) {
    if (++inputs_ % kResetEvery == 0) {
      close();
      restore();
      open();
    }
    return routes_->handle(request);
  }

  const std::vector<Route>& routes() const { return routes_table_; }
  const std::string& last_log() const { return last_log_; }

 private:
  std::string db() const { return (dir_ / "memnet.db").string(); }

  void make_file() {
    const fs::path dialog_dir = memnet::testing::make_toy_dialog_dir(dir_ / "dialog");
    core::DialogTrainJob job = memnet::testing::toy_dialog_job(dialog_dir, db(), true);
    job.options.epochs = 3;
    core::run_dialog_train(job);
    memnet::testing::save_fixture_model(db(), "qa", 1);

    std::int64_t story = 0, dialog = 0;
    {
      core::StoryService service(db());
      const auto record = service.create_story("fixture", "qa");
      story = record.id;
      service.add_facts(story, {"Mary went to the kitchen.", "John moved to the garden.",
                                "Mary travelled to the office."});
      memnet::storage::QuestionRecord q;
      q.as_of = 2;
      q.text = "Where is Mary?";
      q.answer = "kitchen";
      q.supporting = {1};
      service.add_questions(story, {q});
      core::DialogService dialogs(db());
      dialog = dialogs.create("dialog1").id;
      dialogs.turn(dialog, "hi");
    }
    fs::copy_file(db(), dir_ / "pristine.db", fs::copy_options::overwrite_existing);

    const std::string s = fmt::format("/v1/stories/{}", story);
    const std::string d = fmt::format("/v1/dialogs/{}", dialog);
    routes_table_ = {
        {"POST", "/v1/stories"},
        {"POST", s + "/facts"},
        {"POST", s + "/ask"},
        {"POST", "/v1/ask"},
        {"GET", s + "?", true},
        {"POST", "/v1/dialogs"},
        {"POST", d + "/turns"},
        {"POST", d + "/api"},
        {"GET", d},
        {"GET", "/v1/models/", true},
        {"GET", "/v1/stories/", true},
        {"POST", "/v1/stories/", true},
        {"DELETE", "/v1/stories/", true},
        {"GET", "", true},
        {"POST", "", true},
        {"OPTIONS", "", true},
    };
  }

  void open() {
    service_ = std::make_unique<core::StoryService>(db());
    dialogs_ = std::make_unique<core::DialogService>(db());
    server::RouteOptions options;
    // The access log holds the detail a 500 keeps from its client: printed with the crash.
    options.log_format = server::LogFormat::kText;
    options.log_sink = [this](std::string_view line) { last_log_ = std::string(line); };
    routes_ = std::make_unique<server::Routes>(*service_, dialogs_.get(), std::move(options));
  }

  void close() {
    routes_.reset();
    dialogs_.reset();
    service_.reset();
  }

  void restore() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(db() + suffix);
    fs::copy_file(dir_ / "pristine.db", db());
  }

  fs::path dir_;
  std::vector<Route> routes_table_;
  std::unique_ptr<core::StoryService> service_;
  std::unique_ptr<core::DialogService> dialogs_;
  std::unique_ptr<server::Routes> routes_;
  long long inputs_ = 0;
  std::string last_log_;
};

Fixture& fixture() {
  static Fixture f;  // its destructor removes the folder when libFuzzer exits normally
  return f;
}

constexpr const char* kContentTypes[] = {"application/json", "", "application/json; charset=utf-8",
                                         "text/plain"};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  Fixture& f = fixture();
  const Route& route = f.routes()[data[0] % f.routes().size()];
  const std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  server::Request request;
  request.method = route.method;
  request.target = route.input_in_target ? route.target + rest : route.target;
  if (!route.input_in_target) request.body = rest;
  request.content_type = kContentTypes[data[1] % std::size(kContentTypes)];

  const server::Response response = f.handle(request);
  if (response.status >= 500 && response.status != 503 && response.status != 507) {
    std::fprintf(stderr, "fuzz_routes: %s %s answered %d: %s\nlog: %s", request.method.c_str(),
                 request.target.c_str(), response.status, response.body.c_str(),
                 f.last_log().c_str());
    std::abort();
  }
  return 0;
}
