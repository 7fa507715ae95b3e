// GoogleTest for a vendor's C++ provider (decision 0045): one test per requirement of
// the catalogue (CS-INV-3 becomes <Suite>.CS_INV_3: GoogleTest filters read '-' as "not") plus
// <Suite>.Verdict, registered before main() runs. The certification runs once per test
// process, at the first of these tests, and each test then passes, fails or is skipped as the
// run says — the rules of junit.xml: FAIL and a MUST a full run left untested fail; other
// NOT_TESTED and NOT_APPLICABLE are skipped; WARN passes with a note; Verdict fails unless
// CERTIFIED (NOT SUPPORTED says so). Run the program as ONE ctest test (add_test), not with
// gtest_discover_tests, which would certify once per requirement. Link GTest yourself:
//
//   #include "hvsnap/conformance/gtest.h"
//   HVSNAP_CERTIFICATION_TESTS(MyProvider, [] { return std::make_shared<MyProvider>(); },
//                              hvsnap::conformance::CertifyOptions{});
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "hvsnap/conformance/catalogue.h"
#include "hvsnap/conformance/certify.h"

namespace hvsnap::conformance::testing {

// The one certification the tests of a suite share, run at the first of them.
class CertificationRun {
 public:
  explicit CertificationRun(std::function<RunResult()> run) : run_(std::move(run)) {}
  const RunResult& result() {
    std::call_once(once_, [this] { result_ = run_(); });
    return result_;
  }

 private:
  std::function<RunResult()> run_;
  std::once_flag once_;
  RunResult result_;
};

class RequirementTest : public ::testing::Test {
 public:
  RequirementTest(std::shared_ptr<CertificationRun> run, std::string id)
      : run_(std::move(run)), id_(std::move(id)) {}
  void TestBody() override {
    const RunResult& r = run_->result();
    const RequirementResult* rr = nullptr;
    for (const auto& x : r.requirements)
      if (x.id == id_) rr = &x;
    ASSERT_NE(rr, nullptr) << id_ << " is not in the run's requirements";
    const std::string what = std::string(to_string(rr->level)) + " " + rr->id + ": " + rr->text;
    std::string evidence;
    for (const auto& e : rr->evidence)
      evidence += "\n  seen: " + e;
    for (const auto& f : r.failures) {
      if (f.requirement != rr->id) continue;
      evidence += "\n  counterexample:\n" + f.counterexample + "\n  replay token: " + f.token;
      break;
    }
    switch (rr->verdict) {
      case Verdict::kPass:
        return;
      case Verdict::kWarn:
        RecordProperty("hvsnap-verdict", "WARN");
        std::printf("WARN %s (%d warning(s)) %s\n", rr->id.c_str(), rr->warned, evidence.c_str());
        return;
      case Verdict::kFail:
        ADD_FAILURE() << "FAIL " << what << " (" << rr->failed << " failing check(s))" << evidence;
        return;
      case Verdict::kNotTested:
        if (untested_must(*rr, r.profile)) {
          ADD_FAILURE() << "NOT_TESTED " << what << ": " << rr->reason
                        << " (a MUST must be tested to certify)";
          return;
        }
        GTEST_SKIP() << "NOT_TESTED: " << rr->reason;
      case Verdict::kNotApplicable:
        GTEST_SKIP() << "NOT_APPLICABLE: " << rr->reason;
    }
  }

 private:
  std::shared_ptr<CertificationRun> run_;
  std::string id_;
};

class VerdictTest : public ::testing::Test {
 public:
  explicit VerdictTest(std::shared_ptr<CertificationRun> run) : run_(std::move(run)) {}
  void TestBody() override {
    const RunResult& r = run_->result();
    std::string why;
    for (const auto& w : r.verdict_reasons)
      why += "\n  - " + w;
    if (!r.certified) ADD_FAILURE() << r.verdict << why;
  }

 private:
  std::shared_ptr<CertificationRun> run_;
};

// Registers the tests; returns true (for a static initializer).
inline bool register_certification(const char* suite, std::shared_ptr<CertificationRun> run,
                                   const char* file, int line) {
  const auto& cat = catalogue();
  if (!cat.ok()) {
    ::testing::RegisterTest(suite, "Catalogue", nullptr, nullptr, file, line,
                            [message = cat.status().message()]() -> ::testing::Test* {
                              struct Broken : ::testing::Test {
                                explicit Broken(std::string m) : m_(std::move(m)) {}
                                void TestBody() override { ADD_FAILURE() << m_; }
                                std::string m_;
                              };
                              return new Broken(message);
                            });
    return true;
  }
  for (const auto& req : *cat) {
    std::string name = req.id;
    for (char& ch : name)
      if (ch == '-') ch = '_';
    ::testing::RegisterTest(
        suite, name.c_str(), nullptr, nullptr, file, line,
        [run, id = req.id]() -> ::testing::Test* { return new RequirementTest(run, id); });
  }
  ::testing::RegisterTest(suite, "Verdict", nullptr, nullptr, file, line,
                          [run]() -> ::testing::Test* { return new VerdictTest(run); });
  return true;
}
inline bool register_certification(const char* suite, ProviderFactory factory,
                                   CertifyOptions options, const char* file, int line) {
  return register_certification(suite,
                                std::make_shared<CertificationRun>(
                                    [factory = std::move(factory), options = std::move(options)] {
                                      return certify(factory, options);
                                    }),
                                file, line);
}
inline bool register_certification(const char* suite, TargetFactory factory, CertifyOptions options,
                                   const char* file, int line) {
  return register_certification(suite,
                                std::make_shared<CertificationRun>(
                                    [factory = std::move(factory), options = std::move(options)] {
                                      return certify(factory, options);
                                    }),
                                file, line);
}

}  // namespace hvsnap::conformance::testing

#define HVSNAP_CERTIFICATION_TESTS(suite, factory, options)                                \
  [[maybe_unused]] static const bool hvsnap_certification_##suite =                        \
      ::hvsnap::conformance::testing::register_certification(#suite, (factory), (options), \
                                                             __FILE__, __LINE__)
