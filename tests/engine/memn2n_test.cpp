#include "engine/memn2n.h"

#include <doctest/doctest.h>

#include <random>

#include "engine/forward.h"

using namespace memnet::engine;

namespace {
ModelConfig small_config() {
  ModelConfig c;
  c.hops = 2;
  c.dim = 6;
  c.memory_size = 3;
  c.vocab_size = 10;
  return c;
}
}  // namespace

TEST_CASE("softmax: sums to 1, survives large logits, keeps order") {
  Vector z(4);
  z << 1000.0f, 999.0f, -1000.0f, 0.0f;
  const Vector p = softmax(z);
  CHECK(p.sum() == doctest::Approx(1.0).epsilon(1e-6));
  CHECK(p.allFinite());
  CHECK(p(0) > p(1));
  CHECK(p(2) == doctest::Approx(0.0));
  Vector small(2);
  small << 0.0f, std::log(3.0f);
  const Vector q = softmax(small);
  CHECK(q(0) == doctest::Approx(0.25));
  CHECK(q(1) == doctest::Approx(0.75));
  CHECK(softmax(Vector()).size() == 0);
}

TEST_CASE("softmax with empty slots: the empty slots take exp(0) each and are left out") {
  Vector z(2);
  z << 0.0f, std::log(2.0f);
  const Vector p = softmax_with_empty(z, 1);  // e = 1, 2 and one empty slot 1: sum 4
  CHECK(p(0) == doctest::Approx(0.25));
  CHECK(p(1) == doctest::Approx(0.5));
  CHECK(softmax_with_empty(z, 0).isApprox(softmax(z)));
  Vector big(1);
  big << 500.0f;
  CHECK(softmax_with_empty(big, 40)(0) == doctest::Approx(1.0));
  Vector low(1);
  low << -500.0f;
  CHECK(softmax_with_empty(low, 3).allFinite());
  CHECK(softmax_with_empty(low, 3)(0) == doctest::Approx(0.0));
}

TEST_CASE("memn2n: with empty slots, attention over a short story sums to less than 1") {
  ModelConfig c = small_config();
  c.memory_size = 5;
  c.padded_memory = 5;
  std::mt19937_64 rng(9);
  const Memn2n m = Memn2n::random(c, rng);
  Example x;
  x.story = {{1}, {2, 3}};
  x.question = {4};
  const Prediction p = m.answer(x);
  CHECK(p.attention[0].size() == 2);
  CHECK(p.attention[0].sum() < 1.0f);
  CHECK(p.attention[0].sum() > 0.0f);
  ModelConfig bad = c;
  bad.padded_memory = 6;
  CHECK_THROWS_WITH_AS(validate(bad), doctest::Contains("padded_memory"), std::invalid_argument);
}

TEST_CASE("memn2n: adjacent tying resolves A, B, C and W to shared matrices") {
  std::mt19937_64 rng(1);
  const Memn2n m = Memn2n::random(small_config(), rng);
  CHECK(&m.B() == &m.A(1));
  CHECK(&m.A(2) == &m.C(1));
  CHECK(&m.Wt() == &m.C(2));
  CHECK(&m.T_A(2) == &m.T_C(1));
  CHECK(&m.A(1) != &m.C(1));
}

TEST_CASE("memn2n: layer-wise tying shares A and C across hops, B and W separate") {
  ModelConfig c = small_config();
  c.tying = Tying::kLayerwise;
  std::mt19937_64 rng(1);
  const Memn2n m = Memn2n::random(c, rng);
  CHECK(&m.A(1) == &m.A(2));
  CHECK(&m.C(1) == &m.C(2));
  CHECK(&m.B() != &m.A(1));
  CHECK(&m.Wt() != &m.C(2));
  CHECK(m.H().rows() == c.dim);
}

TEST_CASE("memn2n: rejects parameters that do not fit the config") {
  ModelConfig c = small_config();
  std::mt19937_64 rng(1);
  auto params = Memn2n::random(c, rng).parameters();
  params[1].value.resize(2, 2);
  CHECK_THROWS_WITH_AS(Memn2n(c, params), doctest::Contains("parameter 1 should be C1"),
                       std::invalid_argument);
  params.pop_back();
  CHECK_THROWS_AS(Memn2n(c, params), std::invalid_argument);
}

TEST_CASE("memn2n: the nil word has a zero embedding in every word matrix") {
  std::mt19937_64 rng(2);
  Memn2n m = Memn2n::random(small_config(), rng);
  for (const auto& p : m.parameters())
    if (p.name[0] != 'T') CHECK(p.value.col(0).isZero(0));
}

TEST_CASE("memn2n: attention covers only the most recent memory_size sentences") {
  std::mt19937_64 rng(3);
  const Memn2n m = Memn2n::random(small_config(), rng);
  Example x;
  x.story = {{1}, {2, 3}, {4}, {5, 6}, {7}};
  x.question = {8};
  const Prediction p = m.answer(x);
  REQUIRE(p.attention.size() == 2);
  CHECK(p.attention[0].size() == 3);
  CHECK(p.first_sentence == 2);
  CHECK(p.attention[0].sum() == doctest::Approx(1.0));
  CHECK(p.a_hat.size() == 10);
  CHECK(p.a_hat.sum() == doctest::Approx(1.0));
}

TEST_CASE("memn2n: an empty story still answers") {
  std::mt19937_64 rng(4);
  const Memn2n m = Memn2n::random(small_config(), rng);
  Example x;
  x.question = {1, 2};
  const Prediction p = m.answer(x);
  CHECK(p.attention[0].size() == 0);
  CHECK(p.a_hat.allFinite());
}

TEST_CASE("memn2n: slot 0 is the most recent sentence") {
  std::mt19937_64 rng(5);
  ModelConfig c = small_config();
  c.temporal = false;
  const Memn2n m = Memn2n::random(c, rng);
  Example x;
  x.story = {{1}, {2}};
  const Matrix mem = embed_memories(m.A(1), x, 2, m.position_weights());
  CHECK(mem.col(0).isApprox(embed_sentence(m.A(1), {2}, m.position_weights())));
  CHECK(mem.col(1).isApprox(embed_sentence(m.A(1), {1}, m.position_weights())));
}

TEST_CASE("memn2n: an ensemble answers with the mean of its members' distributions") {
  ModelConfig c;
  c.hops = 2;
  c.dim = 6;
  c.vocab_size = 11;
  c.gated = true;
  std::mt19937_64 rng(21);
  const Memn2n m1 = Memn2n::random(c, rng, 0.5f), m2 = Memn2n::random(c, rng, 0.5f),
               m3 = Memn2n::random(c, rng, 0.5f);
  const Memn2n ens = Memn2n::ensemble({&m1, &m2, &m3});
  CHECK(ens.config().members == 3);
  CHECK(ens.parameters().size() == 3 * m1.parameters().size());
  CHECK(ens.parameters()[m1.parameters().size()].name == "e2.A1");
  Example x;
  x.story = {{1, 2, 3}, {4, 5}, {6, 7, 8}};
  x.question = {2, 9};
  const Prediction p1 = m1.answer(x), p2 = m2.answer(x), p3 = m3.answer(x), p = ens.answer(x);
  const Vector mean = (p1.a_hat + p2.a_hat + p3.a_hat) / 3.0f;
  CHECK_MESSAGE(p.a_hat.isApprox(mean, 1e-6f), p.a_hat.transpose(), " vs ", mean.transpose());
  CHECK(p.a_hat.sum() == doctest::Approx(1.0).epsilon(1e-5));
  for (size_t k = 0; k < 2; ++k) {
    const Vector att = (p1.attention[k] + p2.attention[k] + p3.attention[k]) / 3.0f;
    CHECK(p.attention[k].isApprox(att, 1e-6f));
  }
  Index best = 0;
  mean.maxCoeff(&best);
  CHECK(p.answer == best);
  // a one-member ensemble is the member itself, bit for bit
  const Prediction solo = Memn2n::ensemble({&m2}).answer(x);
  CHECK((solo.a_hat.array() == p2.a_hat.array()).all());
}

TEST_CASE("memn2n: gated and ungated members make one ensemble, gated ones first") {
  ModelConfig c;
  c.hops = 2;
  c.dim = 6;
  c.vocab_size = 11;
  std::mt19937_64 rng(23);
  const Memn2n plain = Memn2n::random(c, rng, 0.5f);  // u' = u + o
  c.gated = true;
  const Memn2n gated1 = Memn2n::random(c, rng, 0.5f), gated2 = Memn2n::random(c, rng, 0.5f);
  const Memn2n ens = Memn2n::ensemble({&plain, &gated1, &gated2});
  CHECK(ens.config().members == 3);
  CHECK(ens.config().gated);
  CHECK(ens.config().ungated_members == 1);
  CHECK(member_gated(ens.config(), 0));
  CHECK(member_gated(ens.config(), 1));
  CHECK_FALSE(member_gated(ens.config(), 2));
  // The gated members' matrices, then the ungated one's, which has no W_T, b_T.
  const size_t g = gated1.parameters().size();
  REQUIRE(ens.parameters().size() == 2 * g + plain.parameters().size());
  CHECK(ens.parameters()[g].name == "e2.A1");
  CHECK(ens.parameters()[2 * g].name == "e3.A1");
  for (size_t i = 2 * g; i < ens.parameters().size(); ++i)
    CHECK(ens.parameters()[i].name.find("WT") == std::string::npos);
  CHECK(describe_extensions(ens.config()).find("ungated_members=1") != std::string::npos);
  // Each member answers as it did alone; the ensemble with the mean.
  Example x;
  x.story = {{1, 2, 3}, {4, 5}, {6, 7, 8}};
  x.question = {2, 9};
  const Vector mean =
      (gated1.answer(x).a_hat + gated2.answer(x).a_hat + plain.answer(x).a_hat) / 3.0f;
  CHECK(ens.answer(x).a_hat.isApprox(mean, 1e-6f));
  // The same weights reloaded from the config and the parameter list answer the same.
  const Memn2n again(ens.config(), ens.parameters());
  CHECK((again.answer(x).a_hat.array() == ens.answer(x).a_hat.array()).all());
  // All ungated: an ensemble without gates.
  const Memn2n two_plain = Memn2n::ensemble({&plain, &plain});
  CHECK_FALSE(two_plain.config().gated);
  CHECK(two_plain.config().ungated_members == 0);
}

TEST_CASE("memn2n: a config with more ungated members than members is refused") {
  ModelConfig c;
  c.members = 2;
  c.ungated_members = 1;
  CHECK_THROWS_AS(validate(c), std::invalid_argument);  // needs gated
  c.gated = true;
  CHECK_NOTHROW(validate(c));
  c.ungated_members = 2;
  CHECK_THROWS_AS(validate(c), std::invalid_argument);
}

TEST_CASE("memn2n: an ensemble of different shapes or of ensembles is refused") {
  ModelConfig c;
  c.vocab_size = 7;
  std::mt19937_64 rng(2);
  const Memn2n a = Memn2n::random(c, rng);
  c.dim = 30;
  const Memn2n b = Memn2n::random(c, rng);
  CHECK_THROWS_AS(Memn2n::ensemble({&a, &b}), std::invalid_argument);
  CHECK_THROWS_AS(Memn2n::ensemble({}), std::invalid_argument);
  const Memn2n e = Memn2n::ensemble({&a, &a});
  CHECK_THROWS_AS(Memn2n::ensemble({&e}), std::invalid_argument);
}

TEST_CASE("memn2n: a seed gives the same weights under every standard library") {
  // engine/random.h draws normals by Box-Muller on mt19937_64's fixed output, so these
  // values are the same wherever memnet is built; std::normal_distribution's are not.
  ModelConfig c;
  c.hops = 1;
  c.dim = 2;
  c.vocab_size = 3;
  c.temporal = false;
  Rng rng(42);
  const Memn2n m = Memn2n::random(c, rng, 0.1f);
  const Matrix& A = m.parameters()[0].value;  // A1, 2 x 3, nil column zero
  CHECK(A(0, 0) == 0.0f);
  CHECK(A(1, 0) == 0.0f);
  INFO("A1 = ", A);
  CHECK(A(0, 1) == doctest::Approx(0.179473177).epsilon(1e-6));
  CHECK(A(1, 1) == doctest::Approx(-0.0912125185).epsilon(1e-6));
  CHECK(A(0, 2) == doctest::Approx(-0.0617308356).epsilon(1e-6));
  CHECK(A(1, 2) == doctest::Approx(-0.0156113338).epsilon(1e-6));
}
