// The check registry: every check the oracle emits and the requirement it covers. The
// catalogue test keeps this table and requirements.yaml in agreement.
#include "hvsnap/conformance/catalogue.h"

namespace hvsnap::conformance {
namespace {

constexpr CheckInfo kChecks[] = {
    {"inv1.return-range", "CS-INV-1"},
    {"inv2.one-new-collection", "CS-INV-2"},
    {"inv2.one-snapshot-per-member", "CS-INV-2"},
    {"inv2.snapshot-type", "CS-INV-2"},
    {"inv2.parent", "CS-INV-2"},
    {"inv2.most-current", "CS-INV-2"},
    {"inv2.nothing-else-changed", "CS-INV-2"},
    {"inv3.no-change-on-failure", "CS-INV-3"},
    {"inv4.result-reference", "CS-INV-4"},
    {"inv4.job-absent-or-complete", "CS-INV-4"},
    {"inv5.job-resolves", "CS-INV-5"},
    {"inv5.job-type", "CS-INV-5-S"},
    {"inv5.first-state", "CS-INV-5-S"},
    {"inv6.legal-transitions", "CS-INV-6"},
    {"inv6.terminal-stable", "CS-INV-6"},
    {"inv6.percent", "CS-INV-6"},
    {"inv6.error-code", "CS-INV-6"},
    {"inv6.exception-detail", "CS-INV-6"},
    {"inv6.reaches-terminal", "CS-INV-6"},
    {"inv6s.success-error-code", "CS-INV-6-S"},
    {"inv6s.completed-without-error-text", "CS-INV-6-S"},
    {"inv6s.warnings-explained", "CS-INV-6-S"},
    {"inv7.reachable-from-group", "CS-INV-7"},
    {"inv7.reachable-from-job", "CS-INV-7-S"},
    {"inv8.readable-after-end", "CS-INV-8"},
    {"inv9.others-untouched", "CS-INV-9"},
    {"inv9.host-collections", "CS-INV-9"},
    {"inv10.refusal-stable", "CS-INV-10"},
    {"read1.lexical-form", "CS-READ-1"},
    {"read2.parent-is-a-path", "CS-READ-2"},
    {"read2.snapshot-names-its-vm", "CS-READ-2"},
    {"read2.full-key-set", "CS-READ-2"},
    {"read2.references-resolve", "CS-READ-2"},
    {"read3.times", "CS-READ-3"},
    {"read4.value-map", "CS-READ-4"},
    {"out1.bad-reference", "CS-OUT-1"},
    {"out2.wrong-class", "CS-OUT-2"},
    {"out3.missing", "CS-OUT-3"},
    {"out4.type-reserved", "CS-OUT-4"},
    {"out5.type-vendor", "CS-OUT-5"},
    {"out6.bad-settings", "CS-OUT-6"},
    {"out7.unknown-property", "CS-OUT-7"},
    {"out8.management-collection", "CS-OUT-8"},
    {"out9.empty-group", "CS-OUT-9"},
    {"out10.transitional", "CS-OUT-10"},
    {"out11.member-cannot-snapshot", "CS-OUT-11"},
    {"out12.non-snapshottable-disk", "CS-OUT-12"},
    {"out13.recovery-of-saved", "CS-OUT-13"},
    {"out14.ready-succeeds", "CS-OUT-14"},
    {"out15.several-invalid", "CS-OUT-15"},
    {"out16.same-outcome", "CS-OUT-16"},
    {"out16.referenced-unchanged", "CS-OUT-16"},
    {"seq1.chains", "CS-SEQ-1"},
    {"seq1.distinct", "CS-SEQ-1"},
    {"seq2.removed", "CS-SEQ-2"},
    {"seq2.reparented", "CS-SEQ-2"},
    {"seq2.most-current", "CS-SEQ-2"},
    {"seq2.others-unchanged", "CS-SEQ-2"},
    {"seq3.applied", "CS-SEQ-3"},
    {"seq3.running-refused", "CS-SEQ-3"},
    {"seq4.collections-immutable", "CS-SEQ-4"},
    {"seq5.limit", "CS-SEQ-5"},
    {"seq6.linearizable", "CS-SEQ-6"},
    {"seq7.cancelled", "CS-SEQ-7"},
    {"seq7.not-cancellable", "CS-SEQ-7"},
    {"seq7.refusal-code", "CS-SEQ-7"},
    {"seq8.removed-after-time", "CS-SEQ-8"},
    {"seq8.ids-not-reused", "CS-SEQ-8"},
};

}  // namespace

std::span<const CheckInfo> checks() {
  return kChecks;
}

std::string_view requirement_of(std::string_view check) {
  for (const auto& c : checks()) {
    if (c.id == check) return c.requirement;
  }
  return {};
}

Finding finding(std::string_view check, Verdict verdict, std::string message) {
  return Finding{std::string(check), std::string(requirement_of(check)), verdict,
                 std::move(message)};
}

}  // namespace hvsnap::conformance
