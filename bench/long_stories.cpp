// Accuracy on stories longer than the memory: each test question of a bAbI task is asked over
// its own story interleaved with distractor facts from the task's other test stories, until
// the story is L facts long, and answered with each way of filling the memory
// (core/window_selection.h). Deterministic: one seed draws every story.
//
//   memnet_bench_long --model FILE [--name NAME] --test FILE [--lengths 1000,10000,100000]
//                     [--questions N] [--seed 1]
//
// Distractors never mention the question's subject. The excluded words are the people named
// in the question or in its supporting facts (a person: the first word of a statement that
// holds no pronoun) and, when the question names no person, its words that occur in its
// supporting facts and in fewer than half of the file's statements (task 2's object,
// "football"; not "the"). So no distractor changes the gold answer.
// Pronouns: a statement holding he/she/they/him/her/them is kept in one block with the
// statement before it (its antecedent), in the question's story and in the distractors, and
// blocks are interleaved whole; a pronoun never moves away from the name it refers to.
// The question's story keeps its order; its blocks go to positions drawn uniformly among the
// distractor blocks, so its last fact is not, in general, among the most recent.
//
// Modes (per length):
//   recent, match, mixed          select_window as shipped, with KV-MemNN's word cutoff (1000)
//   match/100, mixed/100, match/50  the same with a word cutoff of 100 or 50
//   expand                        core::expand_window as shipped: match, then once per hop k
//                                 the fact hop k attended to most lends its rare words (in at
//                                 most n facts of the story) to the question's, and the window
//                                 is selected again (the answer is the last window's);
//                                 expand/50 with cutoff 50 (the shipped default, n)
//   match+1                       match, and each chosen fact brings the fact after it (the
//                                 newest n of them kept)
// Beside them, "short": the question over its own story only, with the recent window, which
// is what `memnet eval` measures. "support" is the share of questions whose gold supporting
// facts are all in the window.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/ask.h"
#include "core/model_file.h"
#include "core/window_selection.h"
#include "datasets/babi.h"
#include "engine/random.h"

namespace {

using memnet::core::Selection;

bool is_pronoun(const std::string& w) {
  return w == "he" || w == "she" || w == "they" || w == "him" || w == "her" || w == "them";
}

bool has_pronoun(const std::vector<std::string>& tokens) {
  return std::any_of(tokens.begin(), tokens.end(), is_pronoun);
}

// Every statement of the file once, as tokens and word ids; a long story is a list of
// indices into it.
struct Pool {
  std::vector<std::vector<std::string>> tokens;
  std::vector<std::vector<int>> encoded;
  std::vector<std::vector<int>> word_ids;  // distinct, into `words`, for the index
  std::unordered_map<std::string, int> words;
};

int word_id(Pool& pool, const std::string& w) {
  const auto [it, added] = pool.words.emplace(w, static_cast<int>(pool.words.size()));
  return it->second;
}

// The FactIndex of one long story: fact seq i is pool statement facts[i].
class LongIndex final : public memnet::core::FactIndex {
 public:
  LongIndex(const Pool& pool, const std::vector<int>& facts) : pool_(pool), facts_(facts) {}
  std::int64_t facts() override { return static_cast<std::int64_t>(facts_.size()); }
  std::int64_t count(const std::string& word, std::int64_t cap) override {
    const int id = find(word);
    if (id < 0) return 0;
    std::int64_t n = 0;
    for (const int f : facts_) {
      const auto& ids = pool_.word_ids[static_cast<size_t>(f)];
      if (std::find(ids.begin(), ids.end(), id) != ids.end() && ++n > cap) break;
    }
    return n;
  }
  std::vector<std::int64_t> recent_with(const std::string& word, int n) override {
    std::vector<std::int64_t> out;
    const int id = find(word);
    if (id < 0) return out;
    for (std::size_t i = facts_.size(); i-- > 0 && static_cast<int>(out.size()) < n;) {
      const auto& ids = pool_.word_ids[static_cast<size_t>(facts_[i])];
      if (std::find(ids.begin(), ids.end(), id) != ids.end())
        out.push_back(static_cast<std::int64_t>(i));
    }
    return out;
  }
  std::vector<std::string> words(std::int64_t seq) override {
    return pool_.tokens[static_cast<size_t>(facts_[static_cast<size_t>(seq)])];
  }

 private:
  int find(const std::string& word) const {
    const auto it = pool_.words.find(word);
    return it == pool_.words.end() ? -1 : it->second;
  }
  const Pool& pool_;
  const std::vector<int>& facts_;
};

// Consecutive pool statements [first, first + size): a named statement and its pronoun
// continuations.
struct Block {
  int first = 0;
  int size = 0;
  std::set<std::string> words;
};

std::vector<Block> blocks_of(const Pool& pool, int first, int count) {
  std::vector<Block> out;
  for (int i = first; i < first + count; ++i) {
    const auto& t = pool.tokens[static_cast<size_t>(i)];
    if (out.empty() || !has_pronoun(t)) out.push_back({i, 0, {}});
    out.back().size++;
    out.back().words.insert(t.begin(), t.end());
  }
  return out;
}

struct Tally {
  int right = 0, supported = 0, asked = 0;
  double window = 0;
};

struct Ask {
  const memnet::engine::Memn2n& model;
  const memnet::engine::Vocabulary& vocab;
  const Pool& pool;
  int answer_of(const std::vector<int>& facts, const std::vector<std::int64_t>& window_recent,
                const std::vector<int>& question, memnet::engine::Prediction* out) const {
    memnet::engine::Example x;
    for (std::size_t i = window_recent.size(); i-- > 0;) {  // oldest first
      x.story.push_back(
          pool.encoded[static_cast<size_t>(facts[static_cast<size_t>(window_recent[i])])]);
    }
    x.question = question;
    *out = model.answer(x);
    return out->answer;
  }
};

std::vector<int> parse_list(const std::string& s) {
  std::vector<int> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::atoi(item.c_str()));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string model_path, name, test_path, lengths_text = "1000,10000,100000";
  int max_questions = 0;
  unsigned seed = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--model")
      model_path = value;
    else if (flag == "--name")
      name = value;
    else if (flag == "--test")
      test_path = value;
    else if (flag == "--lengths")
      lengths_text = value;
    else if (flag == "--questions")
      max_questions = std::atoi(value.c_str());
    else if (flag == "--seed")
      seed = static_cast<unsigned>(std::atoi(value.c_str()));
    else {
      std::cerr << "memnet_bench_long: unknown flag " << flag << "\n";
      return 2;
    }
  }
  const std::vector<int> lengths = parse_list(lengths_text);
  if (model_path.empty() || test_path.empty() || lengths.empty() ||
      std::any_of(lengths.begin(), lengths.end(), [](int l) { return l < 1; })) {
    std::cerr << "usage: memnet_bench_long --model FILE [--name NAME] --test FILE "
                 "[--lengths 1000,10000,100000] [--questions N] [--seed 1]\n";
    return 2;
  }
  try {
    const auto m = memnet::core::load_model_file(model_path, name);
    const int n = m.model.config().memory_size;
    const int hops = m.model.config().hops;
    const auto stories = memnet::datasets::load_babi_file(test_path);

    Pool pool;
    std::vector<int> story_first;  // pool index of each story's first statement
    for (const auto& s : stories) {
      story_first.push_back(static_cast<int>(pool.tokens.size()));
      for (const auto& st : s.statements) {
        pool.tokens.push_back(st.tokens);
        pool.encoded.push_back(memnet::engine::encode(m.vocab, st.tokens, nullptr));
        std::vector<int> ids;
        for (const auto& w : st.tokens) ids.push_back(word_id(pool, w));
        std::sort(ids.begin(), ids.end());
        ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
        pool.word_ids.push_back(std::move(ids));
      }
    }
    // People: first words of statements without a pronoun. Word shares, for the rare test.
    std::set<std::string> people;
    std::map<std::string, int> statements_with;
    for (const auto& t : pool.tokens) {
      if (!t.empty() && !has_pronoun(t)) people.insert(t.front());
      for (const auto& w : std::set<std::string>(t.begin(), t.end())) statements_with[w]++;
    }
    const double common = 0.5 * static_cast<double>(pool.tokens.size());
    std::vector<Block> all_blocks;
    std::vector<int> block_story;  // the story each block comes from
    for (std::size_t s = 0; s < stories.size(); ++s) {
      for (auto& b :
           blocks_of(pool, story_first[s], static_cast<int>(stories[s].statements.size()))) {
        all_blocks.push_back(std::move(b));
        block_story.push_back(static_cast<int>(s));
      }
    }

    struct Mode {
      std::string label;
      Selection select;
      int cutoff;
      bool expand = false;
      bool next = false;
    };
    const std::vector<Mode> modes = {{"recent", Selection::kRecent, 1000},
                                     {"match", Selection::kMatch, 1000},
                                     {"mixed", Selection::kMixed, 1000},
                                     {"match/100", Selection::kMatch, 100},
                                     {"mixed/100", Selection::kMixed, 100},
                                     {"match/50", Selection::kMatch, 50},
                                     {"expand", Selection::kMatch, 1000, true},
                                     {"expand/50", Selection::kMatch, 50, true},
                                     {"match+1", Selection::kMatch, 1000, false, true}};
    const Ask ask{m.model, m.vocab, pool};

    Tally short_tally;
    std::vector<std::vector<Tally>> tallies(lengths.size(), std::vector<Tally>(modes.size()));
    memnet::engine::Rng rng(seed);
    int asked = 0;
    std::int64_t example_excluded = -1;
    std::string example_words;
    const auto t0 = std::chrono::steady_clock::now();
    for (std::size_t s = 0; s < stories.size(); ++s) {
      for (const auto& q : stories[s].questions) {
        if (max_questions > 0 && asked >= max_questions) break;
        ++asked;
        const auto q_ids = memnet::engine::encode(m.vocab, q.tokens, nullptr);
        const std::string gold = q.answer;
        const auto right = [&](int answer) { return m.vocab.word(answer) == gold; };

        // Short: the story as the file has it.
        {
          std::vector<int> facts;
          for (int i = 0; i < q.statements_before; ++i) facts.push_back(story_first[s] + i);
          std::vector<std::int64_t> window;
          for (int i = q.statements_before - 1; i >= 0 && q.statements_before - i <= n; --i)
            window.push_back(i);
          memnet::engine::Prediction p;
          short_tally.right += right(ask.answer_of(facts, window, q_ids, &p));
          short_tally.asked++;
        }

        // The words no distractor may hold.
        std::set<std::string> excluded;
        std::set<std::string> support_words;
        for (const int k : q.support) {
          const auto& t = pool.tokens[static_cast<size_t>(story_first[s] + k)];
          support_words.insert(t.begin(), t.end());
          for (const auto& w : t) {
            if (people.count(w)) excluded.insert(w);
          }
        }
        const bool names_person =
            std::any_of(q.tokens.begin(), q.tokens.end(),
                        [&](const std::string& w) { return people.count(w); });
        for (const auto& w : q.tokens) {
          if (people.count(w)) excluded.insert(w);
          if (!names_person && support_words.count(w) && statements_with[w] < common)
            excluded.insert(w);
        }
        if (example_excluded < 0) {
          example_excluded = static_cast<std::int64_t>(excluded.size());
          for (const auto& w : excluded) example_words += (example_words.empty() ? "" : " ") + w;
          example_words = fmt::format("\"{}\" -> {{{}}}", q.text, example_words);
        }
        std::vector<int> allowed;  // distractor blocks
        for (std::size_t b = 0; b < all_blocks.size(); ++b) {
          if (block_story[b] == static_cast<int>(s)) continue;
          const auto& words = all_blocks[b].words;
          if (std::none_of(excluded.begin(), excluded.end(),
                           [&](const std::string& w) { return words.count(w) > 0; }))
            allowed.push_back(static_cast<int>(b));
        }
        const std::vector<Block> own = blocks_of(pool, story_first[s], q.statements_before);

        for (std::size_t li = 0; li < lengths.size(); ++li) {
          const int length = std::max(lengths[li], q.statements_before);
          // Distractor blocks until the story is `length` facts long.
          std::vector<int> drawn;
          int total = q.statements_before;
          while (total < length && !allowed.empty()) {
            const int b = allowed[memnet::engine::uniform_below(rng, allowed.size())];
            drawn.push_back(b);
            total += all_blocks[static_cast<size_t>(b)].size;
          }
          // Own blocks at uniform positions among the drawn ones, in story order.
          std::vector<std::size_t> slots;
          for (std::size_t i = 0; i < own.size(); ++i)
            slots.push_back(memnet::engine::uniform_below(rng, drawn.size() + 1));
          std::sort(slots.begin(), slots.end());
          std::vector<int> facts;
          std::vector<std::int64_t> support_seq;
          facts.reserve(static_cast<size_t>(total));
          std::size_t next_own = 0;
          const auto put_own = [&] {
            const Block& b = own[next_own++];
            for (int i = 0; i < b.size; ++i) {
              const int k = b.first + i - story_first[s];
              if (std::find(q.support.begin(), q.support.end(), k) != q.support.end())
                support_seq.push_back(static_cast<std::int64_t>(facts.size()));
              facts.push_back(b.first + i);
            }
          };
          for (std::size_t d = 0; d <= drawn.size(); ++d) {
            while (next_own < own.size() && slots[next_own] == d) put_own();
            if (d == drawn.size()) break;
            const Block& b = all_blocks[static_cast<size_t>(drawn[d])];
            for (int i = 0; i < b.size; ++i) facts.push_back(b.first + i);
          }

          LongIndex index(pool, facts);
          for (std::size_t mi = 0; mi < modes.size(); ++mi) {
            const Mode& mode = modes[mi];
            std::vector<std::string> words = q.tokens;
            auto window = memnet::core::select_window(index, words, mode.select, n, mode.cutoff);
            memnet::engine::Prediction p;
            int answer = ask.answer_of(facts, window, q_ids, &p);
            if (mode.expand) {  // as shipped: core::expand_window
              window = memnet::core::expand_window(index, words, n, mode.cutoff, hops,
                                                   [&](const std::vector<std::int64_t>& w, int k) {
                                                     memnet::engine::Prediction over_w;
                                                     ask.answer_of(facts, w, q_ids, &over_w);
                                                     return memnet::core::top_fact(over_w, w, k);
                                                   });
              answer = ask.answer_of(facts, window, q_ids, &p);
            }
            if (mode.next) {
              // Each chosen fact brings the one after it (a pronoun's continuation).
              std::vector<std::int64_t> wider;
              for (const auto seq : window) {
                if (seq + 1 < index.facts() &&
                    std::find(window.begin(), window.end(), seq + 1) == window.end())
                  wider.push_back(seq + 1);
              }
              wider.insert(wider.end(), window.begin(), window.end());
              std::sort(wider.begin(), wider.end(), std::greater<>());
              if (static_cast<int>(wider.size()) > n) wider.resize(static_cast<size_t>(n));
              window = wider;
              answer = ask.answer_of(facts, window, q_ids, &p);
            }
            Tally& t = tallies[li][mi];
            t.asked++;
            t.right += right(answer);
            t.window += static_cast<double>(window.size());
            t.supported += std::all_of(support_seq.begin(), support_seq.end(), [&](auto seq) {
              return std::find(window.begin(), window.end(), seq) != window.end();
            });
          }
        }
      }
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::cout << fmt::format(
        "long stories: {} ({} questions), model '{}' (memory {}, K={}), seed {}, {:.0f} s\n",
        test_path, asked, m.name, n, hops, seed, seconds);
    std::cout << fmt::format("  excluded from the distractors, e.g. {}\n", example_words);
    std::cout << fmt::format("  short (own story, recent): accuracy {:.1f}%\n",
                             100.0 * short_tally.right / std::max(1, short_tally.asked));
    std::cout << fmt::format("  {:>8} {:<10} {:>9} {:>9} {:>8}\n", "facts", "mode", "accuracy",
                             "support", "window");
    for (std::size_t li = 0; li < lengths.size(); ++li) {
      for (std::size_t mi = 0; mi < modes.size(); ++mi) {
        const Tally& t = tallies[li][mi];
        std::cout << fmt::format("  {:>8} {:<10} {:>8.1f}% {:>8.1f}% {:>8.1f}\n", lengths[li],
                                 modes[mi].label, 100.0 * t.right / std::max(1, t.asked),
                                 100.0 * t.supported / std::max(1, t.asked),
                                 t.window / std::max(1, t.asked));
      }
    }
    // One line per length and mode, for scripts: RESULT task-file length mode accuracy support.
    for (std::size_t li = 0; li < lengths.size(); ++li) {
      for (std::size_t mi = 0; mi < modes.size(); ++mi) {
        const Tally& t = tallies[li][mi];
        std::cout << fmt::format("RESULT {} {} {} {:.1f} {:.1f} {:.1f}\n", m.name, lengths[li],
                                 modes[mi].label, 100.0 * t.right / std::max(1, t.asked),
                                 100.0 * t.supported / std::max(1, t.asked),
                                 100.0 * short_tally.right / std::max(1, short_tally.asked));
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "memnet_bench_long: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
