// Small helpers the writers share: ordering, escaping, rounding, the replay command.
#pragma once

#include <cstddef>
#include <map>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "hvsnap/conformance/run_result.h"
#include "hvsnap/reports/bundle.h"

namespace hvsnap::reports {

// Combinations in the fixed C × S × T × R order (runs may visit them in another order).
std::vector<const conformance::ComboResult*> sorted_combos(const conformance::RunResult& r);

// "hvsnap replay hvsnap1.…": the command that runs a token's item again.
std::string replay_command(const RunInfo& info, std::string_view token);

// How many undecided items summary.md, report.html and junit.xml list one by one (junit.xml
// adds one <error> for the rest); result.json lists them all.
inline constexpr std::size_t kUndecidedShown = 50;
// What the reports say of their Warnings section (decision 0165).
inline constexpr std::string_view kWarningsSaid =
    "Requirements the run WARNs on: a SHOULD the target broke, or a MUST it met in a way the "
    "contract tolerates and flags. They do not fail certification. One example each, the first "
    "the run met.";

// One testcase with an <error type="UNDECIDED"> for each of r's listed undecided items (the
// first kUndecidedShown), then one for the rest of r.counts.undecided (more, or not listed: a
// report made before decision 0162), classname `prefix.property`, appended to `suite`; how
// many <error>s that is: undecided_errors(counted, listed).
int append_undecided_errors(pugi::xml_node suite, std::string_view prefix,
                            const conformance::RunResult& r, std::string_view program);
inline std::size_t undecided_errors(std::size_t counted, std::size_t listed) {
  const std::size_t shown = listed < kUndecidedShown ? listed : kUndecidedShown;
  return shown + (counted > shown ? 1 : 0);
}

// HTML text and attribute escaping; invalid UTF-8 bytes become U+FFFD.
std::string html_escape(std::string_view text);
// Markdown table cell: pipes and newlines escaped.
std::string md_cell(std::string_view text);
// XML 1.0 cannot carry most control characters even escaped: they become U+FFFD.
std::string xml_safe(std::string_view text);

// Valid UTF-8: each invalid byte becomes U+FFFD.
std::string utf8_clean(std::string_view text);
// A Markdown code fence longer than any run of backticks in `text`.
std::string md_fence(std::string_view text);

// Map entries with numeric keys in numeric order ("4" before "4096"), others after, by text.
std::vector<std::pair<std::string, int>> numeric_order(const std::map<std::string, int>& m);

double round_to(double v, int digits);

// "1 m 05 s", "2.31 s"
std::string human_seconds(double s);

// The rows of a coverage table: every collection class, C-READY once per member power
// configuration the run used (contract §2).
struct CollectionRow {
  conformance::CClass c;
  conformance::Power power;
  std::string label;  // "C-READY/P-OFF", "C-EMPTY"
};
std::vector<CollectionRow> collection_rows(const conformance::RunResult& r);

// "CERTIFIED", "NOT SUPPORTED", "NOT CERTIFIED" with a mark for people.
std::string verdict_headline(const conformance::RunResult& r);

// Counts of combinations per verdict.
struct ComboTally {
  int pass = 0, fail = 0, warn = 0, not_tested = 0, not_applicable = 0;
};
ComboTally tally(const conformance::RunResult& r);

}  // namespace hvsnap::reports
