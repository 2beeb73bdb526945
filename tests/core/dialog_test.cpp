// Dialog bAbI on the shared engine: encoding, match types, training and evaluation, chat, and
// the stored (HTTP) path giving the inline floats.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "core/dialog_job.h"
#include "core/dialog_model.h"
#include "core/dialog_service.h"
#include "core/dialog_session.h"
#include "core/errors.h"
#include "datasets/dialog_babi.h"
#include "storage/database.h"
#include "storage/model_store.h"
#include "tests/dialog_fixture.h"
#include "tests/test_data.h"

namespace core = memnet::core;
namespace ds = memnet::datasets;
namespace storage = memnet::storage;
using memnet::testing::make_toy_dialog_dir;
using memnet::testing::temp_dir;
using memnet::testing::toy_dialog_job;

namespace {

std::vector<ds::Dialog> parse(const std::string& text) {
  std::istringstream in(text);
  return ds::parse_dialog_babi(in, "t.txt");
}

storage::DialogRanking toy_ranking(bool match_type) {
  storage::DialogRanking r;
  r.task = 1;
  r.match_type = match_type;
  r.candidates = {"hello", "api_call italian paris", "api_call french paris",
                  "api_call spanish rome"};
  r.kb = {{"resto_a", "R_cuisine", "italian"},
          {"resto_a", "R_location", "paris"},
          {"resto_b", "R_cuisine", "french"},
          {"resto_c", "R_cuisine", "spanish"},
          {"resto_c", "R_location", "rome"}};
  return r;
}

// The toy folder's model, trained once per match-type setting and kept for the tests.
struct ToyModel {
  std::filesystem::path dir;
  std::string db;
};

const ToyModel& toy_model(bool match_type) {
  static ToyModel models[2];
  ToyModel& m = models[match_type ? 1 : 0];
  if (m.db.empty()) {
    m.dir = make_toy_dialog_dir(temp_dir(match_type ? "dialog_mt" : "dialog_plain"));
    const std::string db = (m.dir / "model.db").string();
    core::run_dialog_train(toy_dialog_job(m.dir, db, match_type));
    m.db = db;
  }
  return m;
}

}  // namespace

TEST_CASE("dialog model: memories carry speaker words, the question is the user's words") {
  const auto dialogs = parse(
      "1 hi\thello\n"
      "2 resto_a R_cuisine italian\n"
      "3 italian please\tapi_call italian paris\n");
  const auto kb = core::from_stored_kb(toy_ranking(true).kb);
  {
    const memnet::engine::Vocabulary v = core::dialog_vocabulary(dialogs, &kb);
    CHECK(v.find("<user>"));
    CHECK(v.find("<bot>"));
    CHECK(v.find("<api>"));
    CHECK(v.find("<match:R_cuisine>"));
    CHECK(v.find("<match:R_location>"));
    CHECK(v.find("italian"));
    CHECK_FALSE(v.find("spanish"));  // only in the candidates: not a training word
  }
  auto ds2 = dialogs;
  storage::DialogRanking ranking = toy_ranking(false);
  ranking.candidates.push_back("hello");  // duplicate
  CHECK_THROWS_AS(core::DialogEncoder(core::dialog_vocabulary(dialogs, nullptr), ranking),
                  std::invalid_argument);

  const core::DialogEncoder enc(core::dialog_vocabulary(dialogs, nullptr), toy_ranking(false));
  const ds::Candidates& c = enc.candidates();
  ds::attach_candidates(ds2, c, "t.txt");
  const auto xs = enc.examples(ds2, 1, 0);
  REQUIRE(xs.size() == 2);
  CHECK(xs[0].story.empty());
  CHECK(xs[0].answer == 0);
  CHECK(xs[0].question == std::vector<int>{*enc.vocab().find("hi")});
  // the second turn sees hi (user), hello (bot), the API line, in order, each with its speaker
  REQUIRE(xs[1].story.size() == 3);
  CHECK(xs[1].story[0][0] == *enc.vocab().find("<user>"));
  CHECK(xs[1].story[1][0] == *enc.vocab().find("<bot>"));
  CHECK(xs[1].story[2][0] == *enc.vocab().find("<api>"));
  CHECK(xs[1].story[2].size() == 4);
  CHECK(xs[1].answer == 1);
  CHECK(xs[1].candidates == &enc.candidate_set());
  CHECK(xs[1].candidate_extra.empty());  // no match type
  // keep_last keeps the most recent memories
  const auto last = enc.examples(ds2, 1, 2);
  REQUIRE(last[1].story.size() == 2);
  CHECK(last[1].story[1] == xs[1].story[2]);
  // candidate words outside the vocabulary are dropped ("spanish", "rome")
  CHECK(enc.candidate_set().words[3] == std::vector<int>{*enc.vocab().find("api_call")});
}

TEST_CASE("dialog model: match types mark candidates holding a KB value the dialog showed") {
  const auto dialogs = parse("1 hi\thello\n2 italian please\tapi_call italian paris\n");
  const auto kb = core::from_stored_kb(toy_ranking(true).kb);
  const core::DialogEncoder enc(core::dialog_vocabulary(dialogs, &kb), toy_ranking(true));
  const int cuisine = *enc.vocab().find("<match:R_cuisine>");
  const int location = *enc.vocab().find("<match:R_location>");
  using P = std::pair<int, int>;
  CHECK(enc.match_features({"italian"}) == std::vector<P>{{1, cuisine}});
  CHECK(enc.match_features({"paris", "italian", "hi"}) ==
        std::vector<P>{{1, cuisine}, {1, location}, {2, location}});
  // "spanish" and "rome" are not training words, but they still match (the OOV case)
  CHECK(enc.match_features({"spanish", "rome"}) == std::vector<P>{{3, cuisine}, {3, location}});
  CHECK(enc.match_features({"hello"}).empty());
  // the dialog's words so far: the history and the user's utterance
  core::DialogHistory h;
  h.add(ds::Utterance::Speaker::kUser, {"hi"});
  const auto x = enc.encode(h, {"spanish", "please"}, 3, 1, 0);
  CHECK(x.candidate_extra == std::vector<P>{{3, cuisine}});
  // without match type there are none, and the vocabulary needs no type words
  const core::DialogEncoder plain(core::dialog_vocabulary(dialogs, nullptr), toy_ranking(false));
  CHECK(plain.match_features({"italian"}).empty());
  // a match-type model whose vocabulary lacks the type words is refused
  CHECK_THROWS_AS(core::DialogEncoder(core::dialog_vocabulary(dialogs, nullptr), toy_ranking(true)),
                  std::invalid_argument);
}

TEST_CASE("dialog model: the knowledge base answers API calls as the simulator does") {
  const auto kb = toy_ranking(true).kb;
  CHECK(core::answer_api_call(kb, {"api_call", "italian", "paris"}) ==
        std::vector<std::string>{"resto_a R_cuisine italian", "resto_a R_location paris"});
  CHECK(core::answer_api_call(kb, {"api_call", "dontcare", "rome"}).size() == 2);
  CHECK(core::answer_api_call(kb, {"api_call", "thai"}) ==
        std::vector<std::string>{"api_call no result"});
  CHECK(core::answer_api_call(kb, {"hello"}).empty());
}

TEST_CASE("dialog train and eval: match type answers the OOV API calls; per response and dialog") {
  const ToyModel& mt = toy_model(true);
  core::DialogEvalJob job;
  job.model_path = mt.db;
  job.data_dir = mt.dir.string();
  job.dev = true;
  const auto evals = core::run_dialog_eval(job);
  REQUIRE(evals.size() == 1);
  const core::DialogEvaluation& e = evals[0];
  CHECK(e.model == "dialog1");
  CHECK(e.task == 1);
  CHECK(e.match_type);
  REQUIRE(e.splits.size() == 3);
  CHECK(e.splits[0].split == "tst");
  CHECK(e.splits[1].split == "tst-OOV");
  CHECK(e.splits[2].split == "dev");
  for (const auto& s : e.splits) {
    CHECK(s.dialogs == 6);
    CHECK(s.turns == 2 * 4 + 4 * 3);  // dialogs 0 and 3 have the extra <SILENCE> turn
    CHECK(s.per_response() == 1.0);
    CHECK(s.per_dialog() == 1.0);
  }
  // the saved model: config, candidates and KB
  storage::Database db(mt.db, storage::Database::Mode::kReadOnly);
  const auto stored = storage::load_model(db, "dialog1");
  REQUIRE(stored);
  REQUIRE(stored->dialog);
  CHECK(stored->dialog->task == 1);
  CHECK(stored->dialog->candidates.size() == 6);
  CHECK(stored->dialog->kb.size() == 3);
  CHECK(stored->training.options.find("validation=dialog-babi-task1-API-calls-dev.txt") !=
        std::string::npos);

  // without match type the unseen cuisine cannot be told apart: the OOV API calls fail
  const ToyModel& plain = toy_model(false);
  job.model_path = plain.db;
  job.data_dir = plain.dir.string();
  job.dev = false;
  const auto p = core::run_dialog_eval(job);
  REQUIRE(p.size() == 1);
  CHECK_FALSE(p[0].match_type);
  CHECK(p[0].splits[0].per_response() == 1.0);
  CHECK(p[0].splits[1].per_response() < 1.0);
  CHECK(p[0].splits[1].per_dialog() < 1.0);
  const std::string json = core::to_json(p);
  CHECK(json.find("\"split\":\"tst-OOV\"") != std::string::npos);
  CHECK(json.find("avg_1_5") == std::string::npos);  // tasks 2-5 are missing
}

TEST_CASE("dialog recipes: memnet's best and Bordes et al.'s MemN2N") {
  namespace engine = memnet::engine;
  const core::DialogTrainJob best = core::dialog_recipe_job(core::Recipe::kBest);
  CHECK(best.match_type);
  CHECK(best.match_names);
  CHECK(best.config.tying == engine::Tying::kLayerwise);
  CHECK(best.config.dim == 64);
  REQUIRE(best.task6_tying);
  CHECK(*best.task6_tying == engine::Tying::kAdjacent);
  const core::DialogTrainJob paper = core::dialog_recipe_job(core::Recipe::kPaper);
  CHECK_FALSE(paper.match_type);
  CHECK(paper.config.tying == engine::Tying::kAdjacent);
  CHECK_FALSE(paper.task6_tying);
  CHECK(paper.config.dim == 20);
  CHECK(paper.config.encoding == engine::Encoding::kBagOfWords);
}

TEST_CASE("dialog eval: --predictions writes every scored turn with its ranked answer") {
  const ToyModel& plain = toy_model(false);
  core::DialogEvalJob job;
  job.model_path = plain.db;
  job.data_dir = plain.dir.string();
  job.predictions_path = (plain.dir / "predictions.jsonl").string();
  job.threads = 3;  // turns are answered on several threads and written in file order
  const auto evals = core::run_dialog_eval(job);
  REQUIRE(evals.size() == 1);
  storage::Database db(plain.db, storage::Database::Mode::kReadOnly);
  const core::DialogModel model = *core::dialog_model(*storage::load_model(db, "dialog1"));
  const auto& texts = model.encoder.candidates().texts();

  std::ifstream in(job.predictions_path);
  std::string line;
  std::map<std::string, int> turns, right;
  std::vector<nlohmann::json> rows;
  while (std::getline(in, line)) rows.push_back(nlohmann::json::parse(line));
  for (const auto& r : rows) {
    const std::string split = r.at("split");
    turns[split] += 1;
    right[split] += r.at("correct").get<bool>() ? 1 : 0;
    CHECK(r.at("model") == "dialog1");
    CHECK(r.at("task") == 1);
    CHECK(r.at("correct").get<bool>() == (r.at("gold") == r.at("predicted")));
    CHECK(std::find(texts.begin(), texts.end(), r.at("predicted").get<std::string>()) !=
          texts.end());
    const auto& hops = r.at("attention");
    REQUIRE(hops.size() == static_cast<size_t>(model.network.config().hops));
    const int shown = static_cast<int>(hops[0].size());
    CHECK(r.at("memory_first").get<int>() == r.at("history").get<int>() - shown);
    CHECK(r.at("memory_first").get<int>() >= 0);
    float total = 0;
    for (const auto& w : hops[0]) total += w.get<float>();
    CHECK(total <= 1.0001f);
  }
  // the file and the scores agree, split by split; the OOV split has wrong turns
  for (const core::DialogScore& s : evals[0].splits) {
    CHECK(turns[s.split] == s.turns);
    CHECK(right[s.split] == s.turns_correct);
  }
  CHECK(right["tst-OOV"] < turns["tst-OOV"]);
  // in file order within each split, whatever thread answered each turn
  for (size_t i = 1; i < rows.size(); ++i) {
    if (rows[i].at("split") != rows[i - 1].at("split")) continue;
    const bool same_dialog = rows[i].at("dialog") == rows[i - 1].at("dialog");
    CHECK((same_dialog ? rows[i].at("turn_line") > rows[i - 1].at("turn_line")
                       : rows[i].at("dialog") > rows[i - 1].at("dialog")));
  }
  // the first dialog's first turn is that of the file: line 1 of dialog 1
  REQUIRE_FALSE(rows.empty());
  CHECK(rows[0].at("dialog") == 1);
  CHECK(rows[0].at("turn_line") == 1);

  job.predictions_path = (plain.dir / "no-such-dir" / "p.jsonl").string();
  CHECK_THROWS_WITH_AS(core::run_dialog_eval(job),
                       doctest::Contains(("cannot write " + job.predictions_path).c_str()),
                       std::runtime_error);
}

TEST_CASE("dialog train: malformed files are path:line errors and nothing is saved") {
  const auto dir = make_toy_dialog_dir(temp_dir("dialog_bad"));
  const std::string db = (dir / "model.db").string();
  {
    std::ofstream out(dir / "dialog-babi-task1-API-calls-dev.txt", std::ios::app);
    out << "1 hi\tthis reply is not a candidate\n";
  }
  const auto dev = (dir / "dialog-babi-task1-API-calls-dev.txt").string();
  CHECK_THROWS_WITH_AS(core::run_dialog_train(toy_dialog_job(dir, db, true)),
                       doctest::Contains((dev + ":").c_str()), ds::ParseError);
  CHECK_FALSE(std::filesystem::exists(db));
  {
    std::ofstream out(dir / "dialog-babi-task1-API-calls-dev.txt");
    out << "1 hi\thello what can i help you with today\n3 skipped an id\tyou're welcome\n";
  }
  CHECK_THROWS_WITH_AS(core::run_dialog_train(toy_dialog_job(dir, db, true)),
                       doctest::Contains((dev + ":2:").c_str()), ds::ParseError);
  make_toy_dialog_dir(dir);  // good files again, then without the knowledge base
  std::filesystem::remove(dir / "dialog-babi-kb-all.txt");
  CHECK_THROWS_WITH_AS(core::run_dialog_train(toy_dialog_job(dir, db, true)),
                       doctest::Contains("knowledge base"), std::runtime_error);
  CHECK_FALSE(std::filesystem::exists(db));
}

TEST_CASE("dialog chat: one user line in, one bot line out; unknown words reported") {
  const ToyModel& mt = toy_model(true);
  const core::DialogModel model = core::load_dialog_model_file(mt.db);
  std::istringstream in("hi\n<SILENCE>\ni want spanish food\nthanks\n/reset\nhi\n/bogus\n");
  std::ostringstream out, err;
  core::run_chat(model, in, out, err, {});
  CHECK(out.str() ==
        "hello what can i help you with today\n"
        "any preference on a type of cuisine\n"
        "api_call spanish\n"
        "you're welcome\n"
        "hello what can i help you with today\n");
  CHECK(err.str().find("unknown words ignored: spanish") != std::string::npos);
  CHECK(err.str().find("unknown command '/bogus'") != std::string::npos);

  // --attention: the API results and each hop's weights over the history follow the reply
  std::istringstream in2("hi\ni want italian food\n");
  std::ostringstream out2, err2;
  core::ChatOptions attention;
  attention.attention = true;
  core::run_chat(model, in2, out2, err2, attention);
  const std::string text = out2.str();
  CHECK(text.find("api_call italian\n  api: resto_a R_cuisine italian\n  hop 1") !=
        std::string::npos);
  CHECK(text.find("    ") != std::string::npos);
  CHECK(text.find("user hi") != std::string::npos);
  CHECK(err2.str().empty());

  CHECK_THROWS_WITH_AS(core::load_dialog_model_file(mt.dir.string() + "/none.db"),
                       doctest::Contains("no such file"), std::runtime_error);
}

TEST_CASE("dialog service: stored turns give the inline session's floats, bit for bit") {
  const ToyModel& mt = toy_model(true);
  const auto dir = temp_dir("dialog_service");
  const std::string db = (dir / "copy.db").string();
  std::filesystem::copy_file(mt.db, db);
  const core::DialogModel model = core::load_dialog_model_file(db);
  core::DialogService service(db);
  CHECK(service.models() == std::vector<std::string>{"dialog1"});
  const core::DialogRecord d = service.create("");
  CHECK(d.model == "dialog1");
  core::DialogSession session(model);
  const char* said[] = {"hi", "", "i want spanish food please", "thanks", "hi again"};
  for (const char* user : said) {
    const core::DialogReply inline_reply = session.turn(user, 4);
    const core::TurnResult stored = service.turn(d.id, user, 4);
    const core::DialogReply& r = stored.reply;
    CHECK(r.bot == inline_reply.bot);
    CHECK(r.probability == inline_reply.probability);
    REQUIRE(r.top.size() == inline_reply.top.size());
    for (size_t i = 0; i < r.top.size(); ++i) {
      CHECK(r.top[i].candidate == inline_reply.top[i].candidate);
      CHECK(r.top[i].probability == inline_reply.top[i].probability);
    }
    REQUIRE(r.hops.size() == inline_reply.hops.size());
    for (size_t k = 0; k < r.hops.size(); ++k) {
      REQUIRE(r.hops[k].size() == inline_reply.hops[k].size());
      for (size_t i = 0; i < r.hops[k].size(); ++i) {
        CHECK(r.hops[k][i].weight == inline_reply.hops[k][i].weight);
        CHECK(r.hops[k][i].text == inline_reply.hops[k][i].text);
        CHECK(r.hops[k][i].index == inline_reply.hops[k][i].index);
      }
      CHECK(r.empty_weight[k] == inline_reply.empty_weight[k]);
    }
    CHECK(r.unknown_words == inline_reply.unknown_words);
    CHECK(r.api_results == inline_reply.api_results);
  }
  const auto history = service.history(d.id);
  CHECK(history.size() == session.size());
  CHECK(history[0].speaker == "user");
  CHECK(history[1].speaker == "bot");
  CHECK(history[2].text == "<SILENCE>");  // the empty utterance is silence
  // the OOV API call was answered from the KB, and the result is in the history
  CHECK(std::any_of(history.begin(), history.end(), [](const core::StoredUtterance& u) {
    return u.speaker == "api" && u.text == "resto_c R_cuisine spanish";
  }));

  // errors: nothing is stored
  const std::size_t before = service.history(d.id).size();
  CHECK_THROWS_AS(service.turn(d.id + 100, "hi"), core::NotFound);
  CHECK_THROWS_AS(service.turn(d.id, std::string("bad \xff byte")), core::InvalidInput);
  CHECK_THROWS_AS(service.turn(d.id, "two\nlines"), core::InvalidInput);
  CHECK_THROWS_AS(service.turn(d.id, std::string(10001, 'a')), core::InvalidInput);
  CHECK_THROWS_AS(service.add_api_result(d.id, "  "), core::InvalidInput);
  CHECK(service.history(d.id).size() == before);
  CHECK_THROWS_AS(service.create("nope"), core::NotFound);
  // a later turn still matches the session
  const auto u = service.add_api_result(d.id, "resto_a R_cuisine italian");
  session.add_api_result("resto_a R_cuisine italian");
  CHECK(u.speaker == "api");
  CHECK(service.turn(d.id, "thanks").reply.probability == session.turn("thanks").probability);
}

TEST_CASE("dialog real data: task 1 trains in seconds and is right on tst and tst-OOV") {
  if (!memnet::testing::dialog_babi_available()) {
    const std::string note = "dialog bAbI data missing at " + memnet::testing::dialog_babi_dir() +
                             "; skipped (set MEMNET_DIALOG_DIR)";
    MESSAGE(note);
    return;
  }
  const auto dir = temp_dir("dialog_real");
  core::DialogTrainJob job = core::dialog_recipe_job(core::Recipe::kBest);
  job.data_dir = memnet::testing::dialog_babi_dir();
  job.tasks = {1};
  job.model_path = (dir / "d.db").string();
  job.options.epochs = 4;
  job.options.lr_halve_every = 2;
  job.options.threads = 2;
  const auto trained = core::run_dialog_train(job);
  REQUIRE(trained.size() == 1);
  CHECK(trained[0].candidates == 4212);
  CHECK(trained[0].train_turns == 6024);
  core::DialogEvalJob eval;
  eval.model_path = job.model_path;
  eval.data_dir = job.data_dir;
  eval.threads = 2;
  const auto e = core::run_dialog_eval(eval);
  REQUIRE(e.size() == 1);
  REQUIRE(e[0].splits.size() == 2);
  CHECK(e[0].splits[0].turns == 5936);
  CHECK(e[0].splits[1].turns == 6020);
  // Bordes et al. 2017: 99.9 and, with match type, 96.5 on OOV
  CHECK(e[0].splits[0].per_response() > 0.99);
  CHECK(e[0].splits[1].per_response() > 0.96);
}

TEST_CASE("dialog service: turns from many threads at once keep each dialog in order") {
  const ToyModel& mt = toy_model(true);
  const auto dir = temp_dir("dialog_threads");
  const std::string db = (dir / "copy.db").string();
  std::filesystem::copy_file(mt.db, db);
  const core::DialogModel model = core::load_dialog_model_file(db);
  core::DialogService service(db);
  constexpr int kThreads = 4;
  const std::vector<std::string> said = {"hi", "<SILENCE>", "i want french food", "thanks"};
  std::vector<std::int64_t> ids;
  for (int t = 0; t < kThreads; ++t) ids.push_back(service.create("dialog1").id);
  std::vector<std::vector<float>> probabilities(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (const std::string& user : said)
        probabilities[static_cast<size_t>(t)].push_back(
            service.turn(ids[static_cast<size_t>(t)], user).reply.probability);
    });
  }
  for (auto& th : threads) th.join();
  core::DialogSession session(model);
  std::vector<float> expected;
  for (const std::string& user : said) expected.push_back(session.turn(user).probability);
  for (int t = 0; t < kThreads; ++t) {
    CHECK(probabilities[static_cast<size_t>(t)] == expected);
    CHECK(service.history(ids[static_cast<size_t>(t)]).size() == session.size());
  }
}

TEST_CASE("dialog train: tasks trained side by side give the models each gives alone") {
  const auto dir = make_toy_dialog_dir(temp_dir("dialog_two_tasks"));
  // task 2: the same dialog layout with more training dialogs, so it trains first
  static const char* const seen[] = {"italian", "french"};
  memnet::testing::write_toy_dialog_file(dir / "dialog-babi-task2-API-refine-trn.txt", 30, seen, 2);
  memnet::testing::write_toy_dialog_file(dir / "dialog-babi-task2-API-refine-dev.txt", 6, seen, 2);
  memnet::testing::write_toy_dialog_file(dir / "dialog-babi-task2-API-refine-tst.txt", 6, seen, 2);

  core::DialogTrainJob both = toy_dialog_job(dir, (dir / "both.db").string(), true);
  both.tasks = {1, 2};
  both.options.threads = 2;
  int calls = 0;
  std::atomic<int> inside{0};
  bool overlapped = false;
  const auto trained = core::run_dialog_train(both, [&](const core::DialogTrainProgress&) {
    overlapped = overlapped || inside.fetch_add(1) != 0;
    ++calls;
    inside.fetch_sub(1);
  });
  REQUIRE(trained.size() == 2);
  CHECK(trained[0].task == 1);  // in task order, whichever finished first
  CHECK(trained[1].task == 2);
  CHECK(trained[0].record.threads == 1);
  CHECK(calls == 2 * both.options.epochs);
  CHECK_FALSE(overlapped);

  storage::Database together(both.model_path);
  for (int task : {1, 2}) {
    CAPTURE(task);
    core::DialogTrainJob alone =
        toy_dialog_job(dir, (dir / fmt::format("t{}.db", task)).string(), true);
    alone.tasks = {task};
    core::run_dialog_train(alone);
    storage::Database single(alone.model_path);
    const std::string name = fmt::format("dialog{}", task);
    const auto a = storage::load_model(together, name);
    const auto b = storage::load_model(single, name);
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(a->weights.size() == b->weights.size());
    for (size_t m = 0; m < a->weights.size(); ++m) {
      CAPTURE(a->weights[m].name);
      CHECK(a->weights[m].value == b->weights[m].value);  // bit for bit
    }
  }
}
