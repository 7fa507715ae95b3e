// The parameter space (contract §2): the full product, the pairwise cover, names; the case
// generators stay inside their classes with boundaries; cases and tokens round-trip.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <map>
#include <set>

#include "hvsnap/conformance/case_runner.h"
#include "hvsnap/conformance/cases.h"
#include "hvsnap/conformance/classes.h"
#include "hvsnap/conformance/model/view.h"
#include "hvsnap/conformance/token.h"

namespace hvsnap::conformance {
namespace {

TEST(Classes, TheFullProductHas2040DistinctCombinations) {
  // 13 classes and C-READY in 4 power configurations, × 8 × 5 × 3.
  const auto all = all_combos();
  EXPECT_EQ(all.size(), 2040U);
  std::set<std::string> names;
  for (const auto& c : all) {
    names.insert(c.to_string());
    EXPECT_EQ(Combo::parse(c.to_string()), c);
  }
  EXPECT_EQ(names.size(), 2040U);
  // The form without a power (tokens written before the dimension existed) still reads.
  ASSERT_TRUE(Combo::parse("C-READY/S-NULL/T-STANDARD/R-NULL").has_value());
  EXPECT_EQ(Combo::parse("C-READY/S-NULL/T-STANDARD/R-NULL")->power, Power::kAny);
  EXPECT_EQ(Combo::parse("C-READY/P-OFF/S-NULL/T-STANDARD/R-NULL")->power, Power::kOff);
  EXPECT_FALSE(Combo::parse("C-EMPTY/P-OFF/S-NULL/T-STANDARD/R-NULL").has_value());
  EXPECT_FALSE(Combo::parse("C-READY/P-WARM/S-NULL/T-STANDARD/R-NULL").has_value());
  EXPECT_FALSE(Combo::parse("C-READY/S-NULL/T-STANDARD").has_value());
  EXPECT_FALSE(Combo::parse("C-READY/S-NULL/T-WHATEVER/R-NULL").has_value());
}

TEST(Classes, PairwiseCoversEveryPairAndEveryClassAlone) {
  const auto cover = pairwise_combos();
  EXPECT_LT(cover.size(), 200U);
  std::set<std::string> pairs;
  for (const auto& c : cover) {
    const std::string p[4] = {c.c_label(), std::string(to_string(c.s)), std::string(to_string(c.t)),
                              std::string(to_string(c.r))};
    for (int a = 0; a < 4; ++a) {
      for (int b = a + 1; b < 4; ++b)
        pairs.insert(p[a] + "+" + p[b]);
    }
  }
  // 17 Collection values: 13 classes and C-READY in 4 power configurations.
  EXPECT_EQ(pairs.size(), 17U * 8 + 17 * 5 + 17 * 3 + 8 * 5 + 8 * 3 + 5 * 3);
  for (CClass c : kAllC) {
    for (Power p : kAllPower) {
      const Combo alone{c, SClass::kNull, TClass::kStandard, RClass::kNull,
                        c == CClass::kReady ? p : Power::kAny};
      EXPECT_NE(std::find(cover.begin(), cover.end(), alone), cover.end()) << alone.to_string();
    }
  }
  EXPECT_EQ(pairwise_combos(), cover) << "deterministic";
}

RC_GTEST_PROP(Cases, ValuesStayInsideTheirClass, ()) {
  const Combo combo = *rc::gen::elementOf(all_combos());
  GenOptions o;
  o.fake_attributes = *rc::gen::arbitrary<bool>();
  const Case c = *gen_case(combo, o);
  switch (combo.t) {
    case TClass::kZero:
      RC_ASSERT(c.type == 0);
      break;
    case TClass::kStandard:
      RC_ASSERT(c.type == 1);
      break;
    case TClass::kRecovery:
      RC_ASSERT(c.type == 2);
      break;
    case TClass::kReserved:
      RC_ASSERT(c.type >= 3 && c.type <= 32767);
      break;
    case TClass::kVendor:
      RC_ASSERT(c.type >= 32768);
      break;
  }
  if (combo.s == SClass::kNull) RC_ASSERT(!c.settings_text().has_value());
  if (combo.s == SClass::kEmpty) RC_ASSERT(*c.settings_text() == "");
  if (combo.c == CClass::kReady && !o.fake_attributes) {
    for (const auto& m : c.c.members)
      RC_ASSERT(m.guest == "ok" && m.disks.empty());
  }
  // C-READY's power configuration holds for its members.
  if (combo.c == CClass::kReady) {
    std::set<std::uint16_t> states;
    for (const auto& m : c.c.members) {
      states.insert(m.state);
      if (combo.power == Power::kSaved) RC_ASSERT(m.checkpoint_type != 4);
    }
    switch (combo.power) {
      case Power::kRunning:
        RC_ASSERT(states == std::set<std::uint16_t>{2});
        break;
      case Power::kOff:
        RC_ASSERT(states == std::set<std::uint16_t>{3});
        break;
      case Power::kSaved:
        RC_ASSERT(states == std::set<std::uint16_t>{6});
        break;
      case Power::kMixed:
        RC_ASSERT(states.count(2) && states.count(3));
        break;
      case Power::kAny:
        break;
    }
  }
  // Cases survive JSON (tokens carry them).
  auto back = case_from_json(to_json(c));
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == c);
}

TEST(Cases, BoundariesOfTheReservedAndVendorRangesAreDrawn) {
  std::set<std::uint16_t> seen;
  for (std::uint64_t s = 0; s < 400; ++s) {
    for (TClass t : {TClass::kReserved, TClass::kVendor}) {
      seen.insert(gen_case({CClass::kReady, SClass::kNull, t, RClass::kNull}, {})(rc::Random(s), 50)
                      .value()
                      .type);
    }
  }
  for (std::uint16_t b : {3, 32767, 32768, 65535})
    EXPECT_TRUE(seen.count(b)) << b;
}

RC_GTEST_PROP(Tokens, RoundTrip, (const std::string& text)) {
  RC_ASSERT(*base64url_decode(base64url_encode(text)) == text);
  const std::string ascii = *rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '~'));
  const nlohmann::json payload{{"kind", "case"}, {"text", ascii}, {"n", text.size()}};
  auto t = decode_token(encode_token(payload));
  RC_ASSERT(t.ok());
  RC_ASSERT(*t == payload);
}

// model::upper is branch-free (decision 0136): it changes 'a'..'z' and nothing else,
// at every position and length, next to the letters' neighbours and to bytes from 0x80 up.
RC_GTEST_PROP(Ids, UpperChangesOnlyAsciiLowerCaseLetters, ()) {
  const std::string text =
      *rc::gen::oneOf(rc::gen::arbitrary<std::string>(),
                      rc::gen::container<std::string>(rc::gen::element<char>(
                          '`', 'a', 'b', 'y', 'z', '{', '@', 'A', 'Z', '[', '0', '-', '\x7f',
                          '\x80', '\xc3', '\xe1', '\xfa', '\xff', '\0')));
  std::string want = text;
  for (char& c : want) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  RC_ASSERT(model::upper(text) == want);
  std::string apart(text.size(), '\0');  // upper_copy from one place to another
  model::upper_copy(text.data(), text.size(), apart.data());
  RC_ASSERT(apart == want);
}

TEST(Tokens, InvalidUtf8IsReplacedNotThrown) {
  const nlohmann::json payload{{"target", std::string("sim:\xB8.yaml")}};
  auto t = decode_token(encode_token(payload));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)["target"].get<std::string>(), "sim:\xEF\xBF\xBD.yaml");
}

TEST(Tokens, BadTokensSayWhatIsWrong) {
  EXPECT_EQ(decode_token("abc").status().message(),
            "token: expected it to start with 'hvsnap1.' (it is printed by hvsnap certify)");
  EXPECT_EQ(decode_token("hvsnap1.a*b").status().message(),
            "token: character '*' at position 1 is not base64url");
  EXPECT_EQ(decode_token("hvsnap1." + base64url_encode("{\"cut")).status().message(),
            "token: the payload is not valid JSON (was it cut short?)");
}

// The set-up plan a run learnt (start Off members first, or no set-up snapshot) rides in its
// tokens; the default plan adds nothing, so a target that accepts everything keeps its tokens.
TEST(Tokens, TheSetUpPlanRoundTripsAndTheDefaultAddsNothing) {
  for (const SetupPlan plan : {SetupPlan{}, SetupPlan{true, false}, SetupPlan{false, true}}) {
    nlohmann::json tok{{"kind", "case"}};
    put_setup_plan(tok, plan);
    EXPECT_EQ(tok.contains("setup"), plan.start_members || plan.refused) << tok.dump();
    auto back = setup_plan_of(*decode_token(encode_token(tok)));
    ASSERT_TRUE(back.ok()) << back.status().to_string();
    EXPECT_EQ(back->start_members, plan.start_members) << tok.dump();
    EXPECT_EQ(back->refused, plan.refused) << tok.dump();
    EXPECT_EQ(describe_setup_plan(plan).empty(), !plan.start_members && !plan.refused);
  }
}

TEST(Tokens, ABadSetUpPlanSaysWhatIsWrong) {
  auto plan = [](const char* text) {
    return setup_plan_of(nlohmann::json::parse(text)).status().message();
  };
  EXPECT_EQ(plan(R"({"setup": 1})"), "token: \"setup\" is not an object (made by a newer hvsnap?)");
  EXPECT_EQ(plan(R"({"setup": {"stop-members": true}})"),
            "token: \"setup\" has an unknown key 'stop-members' (made by a newer hvsnap?)");
  EXPECT_EQ(plan(R"({"setup": {"refused": "yes"}})"),
            "token: \"setup\".refused is not true or false");
}

}  // namespace
}  // namespace hvsnap::conformance
