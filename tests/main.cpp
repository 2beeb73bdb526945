// The doctest runner, which also lists the tests skipped here and why (tests/test_data.h).
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>

#include "tests/test_data.h"

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int status = context.run();
  if (context.shouldExit()) return status;
  for (const std::string& reason : memnet::testing::skip_reasons()) {
    std::cout << "[doctest] SKIPPED " << reason << "\n";
  }
  return status;
}
