#include <doctest/doctest.h>

#include <mixprec/detail/json_brief.hpp>

#include <string>

using mixprec::detail::json_brief;

TEST_SUITE("detail/json_brief") {
  TEST_CASE("short values print as their JSON text, long ones are cut to 60 characters") {
    const auto v = nlohmann::json::parse(R"({"b": [1, 2.5, "x"], "a": null, "c": {"d": true}})");
    CHECK(json_brief(v) == v.dump());
    CHECK(json_brief(nlohmann::json("name")) == "\"name\"");
    const auto big = nlohmann::json(std::vector<int>(10000, 7));
    CHECK(json_brief(big) == big.dump().substr(0, 57) + "...");
    const auto long_string = nlohmann::json(std::string(1000, 'q'));
    CHECK(json_brief(long_string) == long_string.dump().substr(0, 57) + "...");
  }

  TEST_CASE("a value nested 100000 levels deep prints briefly instead of exhausting the stack") {
    // nlohmann's parser keeps its own stack, but dump() recurses once per level.
    const auto deep = nlohmann::json::parse(std::string(100000, '[') + std::string(100000, ']'));
    const std::string s = json_brief(deep);
    CHECK(s.size() <= 60);
    CHECK(s.rfind("[[[[", 0) == 0);
  }
}
