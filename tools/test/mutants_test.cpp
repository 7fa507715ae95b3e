// The mutant catalogue (docs/mutants.md, decisions 0010 and 0061): the suite must fail every
// mutant and name the requirement it breaks, with a short counterexample — provider mutants in
// process, wire mutants over WS-Man (mutants_wire_test.cpp) — and must certify every legal
// provider and call the one that refuses everything NOT SUPPORTED.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "hvsnap/conformance/catalogue.h"
#include "mutants_run.h"

namespace hvsnap::tools::mutants {
// How gtest (and so ctest) names a parameter.
void PrintTo(const MutantInfo& m, std::ostream* os) {
  *os << m.name;
}
}  // namespace hvsnap::tools::mutants

namespace hvsnap {
namespace {

using namespace conformance;
using tools::mutants::Expect;
using tools::mutants::Layer;
using tools::mutants::MutantInfo;

class Mutants : public ::testing::TestWithParam<MutantInfo> {};

TEST_P(Mutants, AreKilledByTheRequirementTheyBreak) {
  expect_killed(GetParam(), "sim+mutant:" + std::string(GetParam().name));
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Mutants,
                         ::testing::ValuesIn(testing_support::entries(Layer::kProvider,
                                                                      Expect::kKilled)),
                         testing_support::param_name);

// No false verdict on a legal host (decision 0061). The legal providers of the provider layer are
// CERTIFIED in process (the wire ones, over the wire: mutants_wire_test.cpp).
class LegalProviders : public ::testing::TestWithParam<MutantInfo> {};

TEST_P(LegalProviders, AreCertified) {
  expect_certified(GetParam(), "sim+mutant:" + std::string(GetParam().name));
}

INSTANTIATE_TEST_SUITE_P(Legal, LegalProviders,
                         ::testing::ValuesIn(testing_support::entries(Layer::kProvider,
                                                                      Expect::kCertified)),
                         testing_support::param_name);

// A provider that refuses every collection snapshot is NOT SUPPORTED: never CERTIFIED, and not
// NOT CERTIFIED either when nothing else is wrong (contract §4.1).
TEST(MutantCatalogue, RefusingEverythingIsNotSupportedNeverCertified) {
  const RunResult r = run_against("sim+mutant:not-supported-everything", false);
  EXPECT_FALSE(r.certified);
  EXPECT_TRUE(r.not_supported) << r.verdict << ": "
                               << (r.verdict_reasons.empty() ? "" : r.verdict_reasons.front());
  EXPECT_EQ(r.verdict, "NOT SUPPORTED");
  for (const auto& f : r.failures)
    ADD_FAILURE() << f.requirement << ": " << f.title;
}

// Decisions 0010 and 0061: the catalogue is large, covers every family, and each entry names a
// requirement of the catalogue.
TEST(MutantCatalogue, CoversEveryFamilyWithDocumentedRequirements) {
  const auto& all = tools::mutants::catalogue();
  std::set<std::string_view> names;
  std::map<std::string_view, int> families;
  int killed = 0, wire = 0, legal = 0;
  for (const auto& m : all) {
    EXPECT_TRUE(names.insert(m.name).second) << m.name << " is listed twice";
    EXPECT_NE(find_requirement(m.requirement), nullptr)
        << m.name << " names " << m.requirement << ", which is not in requirements.yaml";
    EXPECT_FALSE(m.summary.empty()) << m.name;
    EXPECT_EQ(m.name.find_first_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_ "), std::string_view::npos)
        << m.name << ": names are kebab-case";
    ++families[m.family];
    killed += m.expect == Expect::kKilled ? 1 : 0;
    wire += m.expect == Expect::kKilled && m.layer == Layer::kWire ? 1 : 0;
    legal += m.expect == Expect::kCertified ? 1 : 0;
    EXPECT_EQ(m.family == "legal", m.expect == Expect::kCertified) << m.name;
  }
  EXPECT_GE(killed, 45) << "the floor of docs/mutants.md: at least 45 mutants";
  EXPECT_GE(wire, 6) << "wire mutants (decision 0061)";
  EXPECT_GE(legal, 4) << "legal providers the suite must certify (decision 0061)";
  for (const char* f : {"return-code", "job", "result", "atomicity", "sequence", "parsing", "wire",
                        "reference", "timestamp", "value-map", "refusal", "legal"})
    EXPECT_GT(families[f], 0) << "no entry of the family " << f;
  EXPECT_EQ(families.size(), 12u) << "a family outside the twelve of docs/mutants.md";
}

// docs/mutants.md documents each entry with the requirement it breaks: one row per entry, as
// the catalogue has it (so the page cannot drift from the code).
TEST(MutantCatalogue, TheDocsPageHasARowForEachEntry) {
  std::ifstream in(std::string(HVSNAP_SOURCE_DIR) + "/docs/mutants.md");
  ASSERT_TRUE(in) << "docs/mutants.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  for (const auto& m : tools::mutants::catalogue()) {
    const std::string row = "| `" + std::string(m.name) + "` | " + std::string(m.family) + " | " +
                            std::string(m.requirement) + " |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/mutants.md has no row " << row;
  }
  std::size_t rows = 0;
  for (std::size_t at = doc.find("\n| `"); at != std::string::npos; at = doc.find("\n| `", at + 1))
    ++rows;
  EXPECT_EQ(rows, tools::mutants::catalogue().size()) << "a row for an entry that does not exist";
}

TEST(MutantTargets, UnknownNamesAreRefusedWithTheList) {
  auto spec = tools::make_target("sim+mutant:nope", {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("unknown mutant 'nope'"), std::string::npos);
  EXPECT_NE(spec.status().message().find("accepts-type-zero"), std::string::npos);
}

// A wire mutant has nothing to act on in process: it is refused there, with the way to run it.
TEST(MutantTargets, AWireMutantIsRefusedInProcessAndServedOverTheWire) {
  auto spec = tools::make_target("sim+mutant:booleans-capitalised", {});
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.status().message().find("hvsnap serve --target sim+mutant:booleans-capitalised"),
            std::string::npos)
      << spec.status().message();
  tools::TargetOptions served;
  served.served = true;
  auto ok = tools::make_target("sim+mutant:booleans-capitalised", served);
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_TRUE(static_cast<bool>(ok->rewrite_reply));
  EXPECT_NE(ok->identity.find("wire mutant booleans-capitalised"), std::string::npos);
}

}  // namespace
}  // namespace hvsnap
