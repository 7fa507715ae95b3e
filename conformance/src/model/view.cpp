// The diff of two host views (contract §4 CS-INV-2/3/9).
#include "hvsnap/conformance/model/view.h"

#include <algorithm>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::conformance::model {

void upper_copy(const char* from, std::size_t n, char* to) {
  std::size_t i = 0;
#if defined(__SSE2__)
  if (n >= 16) {
    const __m128i a = _mm_set1_epi8('a');
    const __m128i bias = _mm_set1_epi8(static_cast<char>(0x80));
    // c - 'a' < 26 unsigned, as a signed comparison after flipping the top bit of both sides.
    const __m128i limit = _mm_set1_epi8(static_cast<char>(26 ^ 0x80));
    const __m128i bit = _mm_set1_epi8(0x20);
    const auto block = [&](std::size_t at) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(from + at));
      const __m128i lower = _mm_cmplt_epi8(_mm_xor_si128(_mm_sub_epi8(v, a), bias), limit);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(to + at),
                       _mm_xor_si128(v, _mm_and_si128(lower, bit)));
    };
    for (; i + 16 <= n; i += 16)
      block(i);
    // The last bytes as the last sixteen: those written twice are written alike (from its
    // source, or, in place, from text that is already upper-case).
    if (i < n) block(n - 16);
    return;
  }
#endif
  for (; i < n; ++i) {
    const auto c = static_cast<unsigned char>(from[i]);
    to[i] = static_cast<char>(
        c ^ (static_cast<unsigned>(static_cast<unsigned char>(c - 'a') < 26U) << 5U));
  }
}

std::string upper(std::string_view s) {
  std::string out(s);
  upper_copy(out.data(), out.size(), out.data());
  return out;
}

namespace {
constexpr std::string_view kIdKeys[] = {"CollectionID", "InstanceID", "Name"};
}  // namespace

std::string_view id_text_of(const cim::ObjectPath& path, std::string& whole) {
  const cim::KeyList& keys = path.keys();
  if (keys.size() == 1) {  // nearly every path: no search by name
    const std::string_view name = keys.front().name.view();
    for (std::string_view key : kIdKeys) {
      if (cim::iequals(name, key)) return keys.front().value.view();
    }
  } else {
    for (std::string_view key : kIdKeys) {
      if (const cim::Key* k = path.key(key)) return k->value.view();
    }
  }
  whole = path.to_string();
  return whole;
}

std::string id_of(const cim::ObjectPath& path) {
  std::string whole;
  return upper(id_text_of(path, whole));
}

bool result_may_lag(const HostView& before, const HostView& after) {
  for (const auto& [id, vm] : after.vms) {
    const auto was = before.vms.find(id);
    for (const auto& s : vm.snapshots) {
      if (was != before.vms.end() && was->second.snapshots.count(s)) continue;
      const bool held = std::any_of(after.collections.begin(), after.collections.end(),
                                    [&](const auto& c) { return c.second.members.count(s) > 0; });
      if (!held) return true;
    }
  }
  return false;
}

bool keeps_new_checkpoints(const HostView& before, const HostView& first, const HostView& now) {
  for (const auto& [id, vm] : first.vms) {
    const auto was = before.vms.find(id);
    const auto is = now.vms.find(id);
    for (const auto& s : vm.snapshots) {
      if (was != before.vms.end() && was->second.snapshots.count(s)) continue;
      if (is == now.vms.end() || !is->second.snapshots.count(s)) return false;
    }
  }
  return true;
}

Diff diff(const HostView& before, const HostView& after,
          const std::map<std::string, std::uint16_t>& transitions) {
  Diff d;
  auto note = [&](std::string object, std::string what) {
    d.changes.push_back({std::move(object), std::move(what)});
  };
  for (const auto& id : after.all_collections) {
    if (!before.all_collections.count(id)) {
      d.new_collections.insert(id);
      note("host", "gained snapshot collection " + id);
    }
  }
  for (const auto& id : before.all_collections) {
    if (!after.all_collections.count(id)) {
      d.gone_collections.insert(id);
      note("host", "lost snapshot collection " + id);
    }
  }
  for (const auto& [id, b] : before.vms) {
    auto it = after.vms.find(id);
    if (it == after.vms.end()) {
      d.unreadable.insert(id);
      note("vm " + id, "can no longer be read");
      continue;
    }
    const VmView& a = it->second;
    if (a.state != b.state) {
      auto t = transitions.find(id);
      if (t == transitions.end() || a.state != t->second) {
        d.state_changed.insert(id);
        note("vm " + id, fmt::format("EnabledState {} -> {}", b.state, a.state));
      }
    }
    for (const auto& s : a.snapshots) {
      if (!b.snapshots.count(s)) {
        d.new_snapshots[id].insert(s);
        note("vm " + id, "gained snapshot " + s);
      }
    }
    for (const auto& s : b.snapshots) {
      if (!a.snapshots.count(s)) {
        d.gone_snapshots[id].insert(s);
        note("vm " + id, "lost snapshot " + s);
      }
    }
    if (a.most_current != b.most_current) {
      d.most_current[id] = {b.most_current, a.most_current};
      note("vm " + id, fmt::format("most-current snapshot {} -> {}",
                                   b.most_current.empty() ? "none" : b.most_current,
                                   a.most_current.empty() ? "none" : a.most_current));
    }
  }
  for (const auto& [id, b] : before.snapshots) {
    auto it = after.snapshots.find(id);
    if (it != after.snapshots.end() && it->second.parent != b.parent) {
      d.parent_changed.insert(id);
      note("snapshot " + id, fmt::format("Parent {} -> {}", b.parent.empty() ? "none" : b.parent,
                                         it->second.parent.empty() ? "none" : it->second.parent));
    }
  }
  for (const auto& [id, b] : before.groups) {
    auto it = after.groups.find(id);
    if (it == after.groups.end()) continue;
    const GroupView& a = it->second;
    if (a.members != b.members) {
      d.membership_changed.insert(id);
      note("group " + id, "membership changed");
    }
    for (const auto& c : a.collections) {
      if (!b.collections.count(c)) {
        d.links_gained[id].insert(c);
        note("group " + id, "linked to new snapshot collection " + c);
      }
    }
    for (const auto& c : b.collections) {
      if (!a.collections.count(c)) {
        d.links_lost[id].insert(c);
        note("group " + id, "no longer linked to snapshot collection " + c);
      }
    }
  }
  for (const auto& [id, b] : before.collections) {
    auto it = after.collections.find(id);
    if (it != after.collections.end() && it->second.members != b.members) {
      d.members_changed.insert(id);
      note("collection " + id, "members changed");
    }
    if (it != after.collections.end() && it->second.element_name != b.element_name) {
      d.members_changed.insert(id);
      note("collection " + id,
           fmt::format("ElementName \"{}\" -> \"{}\"", b.element_name, it->second.element_name));
    }
  }
  // Watched jobs of other calls: an ended job keeps its state, and stays readable until its
  // TimeBeforeRemoval has passed on the host's clock (when the clock is known).
  for (const auto& [id, b] : before.jobs) {
    auto it = after.jobs.find(id);
    if (it == after.jobs.end() || !b.readable) continue;
    const JobView& a = it->second;
    if (a.readable && a.state != b.state && cim::JobState(b.state).is_terminal()) {
      d.jobs_changed.insert(id);
      note("job " + id, fmt::format("ended {} but now reads JobState {}", b.state, a.state));
    }
    if (!a.readable && cim::JobState(b.state).is_terminal() && b.last_change_us &&
        b.time_before_removal_us && after.host_time_us &&
        *after.host_time_us < *b.last_change_us + *b.time_before_removal_us) {
      d.jobs_changed.insert(id);
      note("job " + id,
           fmt::format("vanished {} ms after it ended, before its TimeBeforeRemoval ({} ms)",
                       (*after.host_time_us - *b.last_change_us) / 1000,
                       *b.time_before_removal_us / 1000));
    }
  }
  return d;
}

}  // namespace hvsnap::conformance::model
