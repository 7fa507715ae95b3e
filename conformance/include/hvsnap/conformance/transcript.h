// Transcripts of judged CreateSnapshot calls (contract §7, §9): what the oracle needs to judge a
// call again offline — the call's classes and expectation, and the observation (model/
// observation.h) — plus where it came from. `hvsnap certify --record DIR` writes one file per
// judged call; `fixtures/evidence/` holds one file per real-host observation in the same format;
// `hvsnap judge` re-judges either with the current oracle. The format is YAML (JSON is YAML,
// so recorded files are JSON): schema "hvsnap-transcript", version 1 (docs/evidence.md).
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/cim/result.h"
#include "hvsnap/conformance/findings.h"
#include "hvsnap/conformance/model/observation.h"
#include "hvsnap/conformance/model/oracle.h"

namespace hvsnap::conformance {

// One judged call: the expectation (its `allowed` set is recomputed from the classes and the
// declarations by the oracle that judges it), the observation, and what should come of it.
struct JudgedCall {
  model::Expectation expectation;
  model::Declarations declarations;
  model::Observation observation;
  std::string call;    // the call as a person would type it (informational)
  std::string expect;  // "accepted" or "rejected": what the oracle must conclude ("" = nothing)
  std::string note;
};

struct Transcript {
  static constexpr int kSchemaVersion = 1;
  std::string observation;  // the evidence ID ("O1"), or "" for a recording
  std::string title;
  std::string source;
  std::string confidence;  // high, medium, medium-low, … (evidence)
  std::string host_build;  // "26100", "26100 (inferred)", ""
  std::string kind;        // observed | derived | recorded
  std::vector<JudgedCall> calls;
  // Unit tests that hold an observation about reading, the fake or the schema rather than a
  // call ("Suite.Name"; the evidence test checks that each exists).
  std::vector<std::string> covered_by;
  // A fixture of the fake that reproduces the observed host: the evidence replay test makes
  // the same calls on it and expects the same answers.
  std::string replay_on;
};

nlohmann::ordered_json to_json(const Transcript& t);
// Reads a transcript (YAML or JSON). Errors name `where` and, for YAML, line:column.
cim::Result<Transcript> parse_transcript(std::string_view text, std::string_view where);

// The verdict of the current oracle on one call of a transcript.
struct CallJudgement {
  model::Judgement judgement;
  bool accepted = false;      // no FAIL finding
  std::string summary;        // "32770 — a refusal (Not Supported, no change)"
  std::string first_failure;  // "CS-OUT-14 (out14.ready-succeeds): …"
};
CallJudgement judge_call(const JudgedCall& call);

// Where a run sends every call it judged (`hvsnap certify --record DIR`).
class TranscriptSink {
 public:
  virtual ~TranscriptSink() = default;
  virtual void judged(const JudgedCall& call) = 0;
};
// Writes each judged call as one transcript of kind "recorded", DIR/NNNNNN-<classes>.json
// (the folder is made if needed). Safe from several threads.
std::shared_ptr<TranscriptSink> directory_sink(std::filesystem::path dir, std::string host);

}  // namespace hvsnap::conformance
