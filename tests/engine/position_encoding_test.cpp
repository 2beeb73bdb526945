#include "engine/position_encoding.h"

#include <doctest/doctest.h>

using namespace memnet::engine;

TEST_CASE("position encoding: paper formula at known points") {
  // l_kj = (1 - j/J) - (k/d)(1 - 2j/J), d = 4, J = 2
  const Matrix L = position_encoding(4, 2, Encoding::kPaper);
  CHECK(L.rows() == 4);
  CHECK(L.cols() == 2);
  CHECK(L(0, 0) == doctest::Approx(0.5));  // k=1 j=1: 0.5 - 0.25*0
  CHECK(L(3, 1) == doctest::Approx(1.0));  // k=4 j=2: 0 - 1*(1-2) = 1
  CHECK(L(1, 1) == doctest::Approx(0.5));  // k=2 j=2: 0 - 0.5*(-1)
}

TEST_CASE("position encoding: reference formula at known points") {
  // l_kj = 1 + 4(k - (d+1)/2)(j - (J+1)/2)/(d J), d = 2, J = 3
  const Matrix L = position_encoding(2, 3, Encoding::kReference);
  CHECK(L(0, 0) == doctest::Approx(1 + 4 * (-0.5) * (-1.0) / 6));
  CHECK(L(1, 2) == doctest::Approx(1 + 4 * (0.5) * (1.0) / 6));
  CHECK(L(0, 1) == doctest::Approx(1.0));  // middle word
}

TEST_CASE("position encoding: bag of words is all ones; bad sizes throw") {
  CHECK(position_encoding(3, 5, Encoding::kBagOfWords).isOnes());
  CHECK_THROWS_AS(position_encoding(0, 3, Encoding::kPaper), std::invalid_argument);
  CHECK_THROWS_AS(position_encoding(3, 0, Encoding::kPaper), std::invalid_argument);
}

TEST_CASE("position weights: paper uses each sentence's own length, reference a fixed J") {
  ModelConfig c;
  c.dim = 4;
  c.sentence_length = 6;
  c.encoding = Encoding::kPaper;
  PositionWeights paper(c, 3);
  CHECK(paper.for_length(2).isApprox(position_encoding(4, 2, Encoding::kPaper)));
  Matrix scratch;
  CHECK(paper.get(10, scratch)
            .isApprox(position_encoding(4, 10, Encoding::kPaper)));  // past the cache
  c.encoding = Encoding::kReference;
  PositionWeights ref(c);
  CHECK(ref.for_length(2).isApprox(position_encoding(4, 6, Encoding::kReference).leftCols(2)));
  CHECK(ref.for_length(8).isApprox(position_encoding(4, 8, Encoding::kReference)));
  // local: the authors' formula over the sentence's own length, whatever J the model has
  c.encoding = Encoding::kLocal;
  PositionWeights local(c);
  CHECK(local.for_length(2).isApprox(position_encoding(4, 2, Encoding::kReference)));
  CHECK(local.for_length(8).isApprox(position_encoding(4, 8, Encoding::kReference)));
  CHECK(!local.for_length(2).isApprox(ref.for_length(2)));
  CHECK(parse_encoding("local") == Encoding::kLocal);
  CHECK(to_string(Encoding::kLocal) == "local");
}
