// A counting decorator for a target (bench/requests_bench.cpp): every operation the suite makes
// through cim::Provider and TargetControl, counted by kind, so that the suite's own request
// traffic can be measured against the served fake (contract §8: each operation is one WS-Man
// request, an enumeration one Enumerate plus its Pulls).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "hvsnap/conformance/target.h"

namespace hvsnap::tools {

struct RequestCounts {
  std::atomic<std::uint64_t> get{0};
  // Several objects of one class read by one WQL query (cim::Provider::get_instances over
  // WS-Man, decision 0083); a lone path of its class in the same read counts as a Get.
  std::atomic<std::uint64_t> query{0};
  std::atomic<std::uint64_t> enumerate{0};  // EnumerateInstances (Enumerate + its Pulls)
  std::atomic<std::uint64_t> associators{0};
  std::atomic<std::uint64_t> references{0};
  std::atomic<std::uint64_t> invoke{0};
  std::atomic<std::uint64_t> now{0};            // the control's clock read (TargetControl::now_ms)
  std::atomic<std::uint64_t> advance{0};        // the control's clock advance
  std::atomic<std::uint64_t> control_other{0};  // SetVmAttributes, SetFaultsEnabled
  std::atomic<std::uint64_t> resets{0};
  // Simulated time the suite let pass (ms): what a live host, which has no clock to advance,
  // costs in real waiting instead.
  std::atomic<std::int64_t> advanced_ms{0};  // targets made (one Reset per case on a served fake)

  // Every operation by what it reads ("Get Msvm_ConcreteJob", "Assoc Msvm_SnapshotOfVirtualSystem
  // from Msvm_ComputerSystem", "Advance", ...): the breakdown decision 0119 tabulates. With
  // `trace` open, every operation is also written to it in order as one line "TARGET WHAT",
  // TARGET the number of the target made (a case on a served fake), from 0.
  std::map<std::string, std::uint64_t> by_what;
  std::FILE* trace = nullptr;
  std::mutex by_what_mutex;
  void count(std::uint64_t target, const std::string& what) {
    const std::lock_guard<std::mutex> lock(by_what_mutex);
    ++by_what[what];
    if (trace != nullptr)
      std::fprintf(trace, "%llu %s\n", static_cast<unsigned long long>(target), what.c_str());
  }

  std::uint64_t total() const {
    return get + query + enumerate + associators + references + invoke + now + advance +
           control_other;
  }
};

// `make` with every target it returns wrapped so that its operations are counted in `counts`.
conformance::TargetFactory counting_factory(conformance::TargetFactory make,
                                            std::shared_ptr<RequestCounts> counts);

}  // namespace hvsnap::tools
