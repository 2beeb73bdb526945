// datasets/generator.cpp
//
// Each story is a small simulation: people move between locations and (kinds 2 and 4) pick
// up and drop objects. Every question is answered from the simulated state, and its
// supporting facts are the line ids that established that state.
#include "datasets/generator.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <vector>

namespace memnet::datasets {
namespace {

constexpr int kQuestionsPerStory = 5;

constexpr std::array<std::string_view, 4> kPeople = {"Mary", "John", "Sandra", "Daniel"};
constexpr std::array<std::string_view, 6> kLocations = {"kitchen", "bathroom", "garden",
                                                        "hallway", "office",   "bedroom"};
constexpr std::array<std::string_view, 3> kObjects = {"football", "apple", "milk"};
constexpr std::array<std::string_view, 5> kMoveVerbs = {"went to", "moved to", "journeyed to",
                                                        "travelled to", "went back to"};
constexpr std::array<std::string_view, 4> kPickVerbs = {"picked up", "got", "grabbed", "took"};
constexpr std::array<std::string_view, 4> kDropVerbs = {"dropped", "discarded", "put down", "left"};
constexpr std::array<std::string_view, 4> kCounts = {"none", "one", "two", "three"};

constexpr int kPeopleCount = static_cast<int>(kPeople.size());
constexpr int kLocationCount = static_cast<int>(kLocations.size());
constexpr int kObjectCount = static_cast<int>(kObjects.size());

void check_kind(int task_kind) {
  if (task_kind < 1 || task_kind > kGeneratedKinds) {
    throw std::invalid_argument("generated task kinds are 1.." + std::to_string(kGeneratedKinds) +
                                ", got " + std::to_string(task_kind));
  }
}

// SplitMix64 finaliser (Steele, Lea, Flood 2014): spreads nearby seeds far apart.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// std::mt19937_64 is specified bit for bit by the standard; the distributions are not, so
// ranges are mapped here, without modulo bias (reject the low 2^64 mod n values).
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  // Uniform in [0, n); n >= 1.
  int below(int n) {
    const auto bound = static_cast<std::uint64_t>(n);
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod n
    for (;;) {
      const std::uint64_t r = engine_();
      if (r >= threshold) return static_cast<int>(r % bound);
    }
  }

  bool percent(int p) { return below(100) < p; }

  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[static_cast<std::size_t>(below(static_cast<int>(N)))];
  }

 private:
  std::mt19937_64 engine_;
};

struct Person {
  int location = -1;   // -1 until the person's first move
  int moved_line = 0;  // line id of the last move
};

struct Object {
  int holder = -1;         // person carrying it, or -1
  int location = -1;       // where it lies when not carried; -1 when never seen
  int picked_line = 0;     // line id of the pick-up by the current holder
  int dropped_line = 0;    // line id of the last drop
  int drop_move_line = 0;  // the dropper's last move before that drop
};

class StoryWriter {
 public:
  StoryWriter(int task_kind, Random& random) : kind_(task_kind), random_(random) {}

  // Appends one story with `questions` questions to `out`.
  void write_story(int questions, std::string& out) {
    people_ = {};
    objects_ = {};
    touched_ = {};
    next_id_ = 1;
    out_ = &out;
    for (int q = 0; q < questions; ++q) {
      const int statements = 1 + random_.below(3);
      for (int s = 0; s < statements; ++s) add_statement(false);
      while (!has_subject()) add_statement(true);
      add_question();
    }
  }

 private:
  bool carries_objects() const { return kind_ == 2 || kind_ == 4; }

  void emit(const std::string& text) { *out_ += std::to_string(next_id_++) + " " + text + "\n"; }

  void emit_question(const std::string& text, std::string_view answer, std::vector<int> support) {
    std::sort(support.begin(), support.end());
    support.erase(std::unique(support.begin(), support.end()), support.end());
    std::string line = std::to_string(next_id_++) + " " + text + "\t" + std::string(answer) + "\t";
    for (std::size_t i = 0; i < support.size(); ++i) {
      if (i > 0) line += ' ';
      line += std::to_string(support[i]);
    }
    *out_ += line + "\n";
  }

  // `progress`: make a question possible soon (kind 2 needs an object somebody has touched).
  void add_statement(bool progress) {
    if (!carries_objects()) return move();
    std::vector<std::pair<int, int>> picks;  // (person, object)
    std::vector<std::pair<int, int>> drops;
    for (int p = 0; p < kPeopleCount; ++p) {
      if (people_[p].location < 0) continue;
      for (int o = 0; o < kObjectCount; ++o) {
        const Object& obj = objects_[o];
        if (obj.holder == p) drops.emplace_back(p, o);
        if (obj.holder < 0 && (obj.location < 0 || obj.location == people_[p].location)) {
          picks.emplace_back(p, o);
        }
      }
    }
    if (progress && !picks.empty()) return pick_up(picks[random_.below(size(picks))]);
    const int roll = random_.below(100);
    const int pick_share = kind_ == 4 ? 40 : 25;  // counting wants people to carry more
    const int drop_share = kind_ == 4 ? 15 : 20;
    if (roll < pick_share && !picks.empty()) return pick_up(picks[random_.below(size(picks))]);
    if (roll >= 100 - drop_share && !drops.empty()) return drop(drops[random_.below(size(drops))]);
    move();
  }

  static int size(const std::vector<std::pair<int, int>>& v) { return static_cast<int>(v.size()); }

  void move() {
    const int p = random_.below(kPeopleCount);
    Person& person = people_[p];
    int to = random_.below(kLocationCount);
    if (to == person.location) to = (to + 1 + random_.below(kLocationCount - 1)) % kLocationCount;
    person.location = to;
    person.moved_line = next_id_;
    emit(std::string(kPeople[p]) + " " + std::string(random_.pick(kMoveVerbs)) + " the " +
         std::string(kLocations[to]) + ".");
  }

  void pick_up(std::pair<int, int> who_what) {
    const auto [p, o] = who_what;
    Object& obj = objects_[o];
    obj.holder = p;
    obj.location = -1;
    obj.picked_line = next_id_;
    touched_[p][o] = next_id_;
    emit(std::string(kPeople[p]) + " " + std::string(random_.pick(kPickVerbs)) + " the " +
         std::string(kObjects[o]) + " there.");
  }

  void drop(std::pair<int, int> who_what) {
    const auto [p, o] = who_what;
    Object& obj = objects_[o];
    obj.holder = -1;
    obj.location = people_[p].location;
    obj.dropped_line = next_id_;
    obj.drop_move_line = people_[p].moved_line;
    touched_[p][o] = next_id_;
    emit(std::string(kPeople[p]) + " " + std::string(random_.pick(kDropVerbs)) + " the " +
         std::string(kObjects[o]) + ".");
  }

  std::vector<int> located_people() const {
    std::vector<int> out;
    for (int p = 0; p < kPeopleCount; ++p) {
      if (people_[p].location >= 0) out.push_back(p);
    }
    return out;
  }

  std::vector<int> located_objects() const {
    std::vector<int> out;
    for (int o = 0; o < kObjectCount; ++o) {
      if (objects_[o].holder >= 0 || objects_[o].location >= 0) out.push_back(o);
    }
    return out;
  }

  bool has_subject() const {
    return kind_ == 2 ? !located_objects().empty() : !located_people().empty();
  }

  template <typename T>
  T choose(const std::vector<T>& items) {
    return items[static_cast<std::size_t>(random_.below(static_cast<int>(items.size())))];
  }

  void add_question() {
    switch (kind_) {
      case 1: {  // where is a person: their last move
        const int p = choose(located_people());
        emit_question("Where is " + std::string(kPeople[p]) + "?", kLocations[people_[p].location],
                      {people_[p].moved_line});
        return;
      }
      case 2: {  // where is an object: held -> holder's place; dropped -> where it fell
        const int o = choose(located_objects());
        const Object& obj = objects_[o];
        const std::string question = "Where is the " + std::string(kObjects[o]) + "?";
        if (obj.holder >= 0) {
          const Person& holder = people_[obj.holder];
          emit_question(question, kLocations[holder.location],
                        {obj.picked_line, holder.moved_line});
        } else {
          emit_question(question, kLocations[obj.location], {obj.drop_move_line, obj.dropped_line});
        }
        return;
      }
      case 3: {  // is a person in a place: yes about half the time
        const int p = choose(located_people());
        const int at = people_[p].location;
        int asked = at;
        if (random_.percent(50))
          asked = (at + 1 + random_.below(kLocationCount - 1)) % kLocationCount;
        emit_question(
            "Is " + std::string(kPeople[p]) + " in the " + std::string(kLocations[asked]) + "?",
            asked == at ? "yes" : "no", {people_[p].moved_line});
        return;
      }
      default: {  // how many objects a person carries: each object's last pick-up or drop
        // Mostly ask about someone who has handled objects, so "none" does not dominate.
        std::vector<int> handlers;
        for (int p : located_people()) {
          const auto& t = touched_[p];
          if (std::any_of(t.begin(), t.end(), [](int line) { return line > 0; })) {
            handlers.push_back(p);
          }
        }
        const int p =
            !handlers.empty() && random_.percent(85) ? choose(handlers) : choose(located_people());
        int count = 0;
        std::vector<int> support;
        for (int o = 0; o < kObjectCount; ++o) {
          if (objects_[o].holder == p) ++count;
          if (touched_[p][o] > 0) support.push_back(touched_[p][o]);
        }
        emit_question("How many objects is " + std::string(kPeople[p]) + " carrying?",
                      kCounts[static_cast<std::size_t>(count)], std::move(support));
        return;
      }
    }
  }

  int kind_;
  Random& random_;
  std::array<Person, kPeopleCount> people_{};
  std::array<Object, kObjectCount> objects_{};
  // touched_[p][o]: line id of person p's last pick-up or drop of object o, 0 if none.
  std::array<std::array<int, kObjectCount>, kPeopleCount> touched_{};
  int next_id_ = 1;
  std::string* out_ = nullptr;
};

void write_file(const std::filesystem::path& path, const std::string& text) {
  errno = 0;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    throw std::runtime_error("cannot write " + path.string() + ": " +
                             (errno != 0 ? std::strerror(errno) : "cannot open for writing"));
  }
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw std::runtime_error("cannot write " + path.string() + ": write failed");
}

}  // namespace

std::string generate_babi(int task_kind, int questions, std::uint64_t seed) {
  check_kind(task_kind);
  if (questions < 1) {
    throw std::invalid_argument("a generated task needs at least 1 question, got " +
                                std::to_string(questions));
  }
  Random random(mix(seed ^ mix(static_cast<std::uint64_t>(task_kind))));
  StoryWriter writer(task_kind, random);
  std::string text;
  for (int left = questions; left > 0; left -= kQuestionsPerStory) {
    writer.write_story(std::min(left, kQuestionsPerStory), text);
  }
  return text;
}

std::string task_file_stem(int task_kind) {
  check_kind(task_kind);
  static constexpr std::array<std::string_view, kGeneratedKinds> kNames = {
      "single-supporting-fact", "two-supporting-facts", "yes-no-questions", "counting"};
  return "qa" + std::to_string(task_kind) + "_" +
         std::string(kNames[static_cast<std::size_t>(task_kind - 1)]);
}

void write_dataset(const std::string& dir, int train_questions, int test_questions,
                   std::uint64_t seed) {
  if (train_questions < 1 || test_questions < 1) {
    throw std::invalid_argument(
        "a generated dataset needs at least 1 train and 1 test question, got " +
        std::to_string(train_questions) + " and " + std::to_string(test_questions));
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir, ec)) {
    throw std::runtime_error("cannot create folder " + dir + ": " +
                             (ec ? ec.message() : "a file of that name exists"));
  }
  for (int kind = 1; kind <= kGeneratedKinds; ++kind) {
    const std::string stem = task_file_stem(kind);
    // Train and test draw from unrelated streams. The test seed is salted rather than seed + 1,
    // so that the test split of one seed is never the train split of the next.
    const std::uint64_t train_seed = mix(seed);
    const std::uint64_t test_seed = mix(train_seed ^ 0x7465737473706C74ULL);  // "testsplt"
    write_file(fs::path(dir) / (stem + "_train.txt"),
               generate_babi(kind, train_questions, train_seed));
    write_file(fs::path(dir) / (stem + "_test.txt"),
               generate_babi(kind, test_questions, test_seed));
  }
}

}  // namespace memnet::datasets
