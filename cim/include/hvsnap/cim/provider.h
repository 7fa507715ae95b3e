// The one seam (docs/architecture.md): the generic CIM operations a real WMI client uses. The fake
// (sim::Host), a live host over WS-Man (wsman::Client) and every test double implement it;
// the conformance suite only ever talks to this interface.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/result.h"
#include "hvsnap/cim/text.h"

namespace hvsnap::cim {

// ASSOCIATORS OF filters (DSP0200): each empty string means "no filter".
struct AssociatorsFilter {
  std::string assoc_class;
  std::string result_class;
  std::string role;
  std::string result_role;
};

// REFERENCES OF filters: `result_class` names the association class.
struct ReferencesFilter {
  std::string result_class;
  std::string role;
};

// Where the target's encoding broke its CIM type's wire form (DSP0230): a boolean "True", a
// datetime in the CIM-XML string form, an interval as free text, a reference that is not an
// endpoint reference, … A transport reads such values leniently so that a run goes on, and keeps
// them here for the conformance suite to judge (contract CS-READ-1).
struct WireProblem {
  std::string where;  // "Msvm_ConcreteJob.Cancellable"
  std::string what;   // "'True' is not an xs:boolean (true, false, 1 or 0)"
};

struct MethodResult {
  std::uint32_t return_value = 0;
  PropertyList out;  // out-parameters, without ReturnValue
  const Value* get(std::string_view name) const { return find(out, name); }
};

// The paths a batched read asks for with one query each (decision 0083): for each namespace
// and class (compared case-insensitively, in that order) with two or more keyed paths, their
// indexes in `paths`. The rest are read by a Get each. (A view reads a handful of paths: the
// groups are found by a linear search, without a map or lowered copies.)
inline std::vector<std::vector<std::size_t>> batches_by_class(
    const std::vector<ObjectPath>& paths) {
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (paths[i].keys().empty()) continue;
    auto same = [&](const std::vector<std::size_t>& g) {
      const ObjectPath& q = paths[g.front()];
      return iequals(q.class_name(), paths[i].class_name()) &&
             iequals(q.name_space(), paths[i].name_space());
    };
    auto it = std::find_if(groups.begin(), groups.end(), same);
    if (it == groups.end()) {
      groups.push_back({i});
    } else {
      it->push_back(i);
    }
  }
  std::erase_if(groups, [](const auto& g) { return g.size() < 2; });
  std::sort(groups.begin(), groups.end(), [&](const auto& a, const auto& b) {
    const ObjectPath& pa = paths[a.front()];
    const ObjectPath& pb = paths[b.front()];
    if (!iequals(pa.name_space(), pb.name_space())) return iless(pa.name_space(), pb.name_space());
    return iless(pa.class_name(), pb.class_name());
  });
  return groups;
}

class Provider {
 public:
  virtual ~Provider() = default;

  virtual Result<Instance> get_instance(const ObjectPath& path) = 0;
  // The instances at `paths`: one answer each, in order, as get_instance answers it. By default
  // a Get each; a transport that can ask for several objects in one request overrides it (the
  // WS-Man client: one WQL query per class, decision 0083).
  virtual std::vector<Result<Instance>> get_instances(const std::vector<ObjectPath>& paths) {
    std::vector<Result<Instance>> out;
    out.reserve(paths.size());
    for (const auto& p : paths)
      out.push_back(get_instance(p));
    return out;
  }
  // Instances of the class and its subclasses.
  virtual Result<std::vector<Instance>> enumerate_instances(std::string_view name_space,
                                                            std::string_view class_name) = 0;
  // Their paths only, in the same order (WS-Man: EnumerationMode EnumerateEPR; decision 0134).
  // By default taken from enumerate_instances; a provider that can name its instances without
  // making them overrides it.
  virtual Result<std::vector<ObjectPath>> enumerate_instance_names(std::string_view name_space,
                                                                   std::string_view class_name) {
    auto all = enumerate_instances(name_space, class_name);
    if (!all.ok()) return all.status();
    std::vector<ObjectPath> out;
    out.reserve(all->size());
    for (const auto& i : *all)
      out.push_back(i.path());
    return out;
  }
  // The same paths, each given to `f` in turn, without a list of them: a reader that keeps
  // only what it takes from each (a large host's tens of thousands of snapshot collections,
  // listed by id, decision 0147). The path is valid only during the call (a provider may write
  // one path again for each), and `f` must not call the provider (the fake holds its lock while
  // it lists). By default from enumerate_instance_names; a provider that can write its paths
  // one at a time overrides it, and so does one that only passes calls on.
  virtual Status each_instance_name(std::string_view name_space, std::string_view class_name,
                                    const std::function<void(const ObjectPath&)>& f) {
    auto all = enumerate_instance_names(name_space, class_name);
    if (!all.ok()) return all.status();
    for (const auto& path : *all)
      f(path);
    return {};
  }
  // The same, for a reader that can take the listing again from its start: a provider that
  // asks a listing the wire lost part way through again (the suite's, decision 0166) calls
  // `restart()` first, and the reader drops what it took. By default each_instance_name, never
  // asked again.
  virtual Status each_instance_name_from_start(std::string_view name_space,
                                               std::string_view class_name,
                                               const std::function<void(const ObjectPath&)>& f,
                                               const std::function<void()>& restart) {
    (void)restart;
    return each_instance_name(name_space, class_name, f);
  }
  // A WQL SELECT whose WHERE names objects by their properties' values, `(p = 'v' AND …) OR
  // (…)` (the batched Gets of decision 0083): instances of enumerate_instances among which are
  // all those that match one of `any_of`'s sets (strings compared case-insensitively, as WQL
  // does), in its order, possibly with others; the caller tests each. One request. A provider
  // that can find its instances by key overrides it, so that such a query does not list the
  // class (decision 0137); it may leave instances out only when every set names exactly the
  // class's keys (the caller's check that a property exists looks at what it is given). By
  // default all of enumerate_instances.
  using PropertyEquals = std::vector<std::pair<std::string, std::string>>;
  virtual Result<std::vector<Instance>> enumerate_instances_matching(
      std::string_view name_space, std::string_view class_name,
      const std::vector<PropertyEquals>& any_of) {
    (void)any_of;
    return enumerate_instances(name_space, class_name);
  }
  virtual Result<std::vector<Instance>> associators(const ObjectPath& object,
                                                    const AssociatorsFilter& filter) = 0;
  virtual Result<std::vector<Instance>> references(const ObjectPath& object,
                                                   const ReferencesFilter& filter) = 0;
  // `object` is an instance path (or a class path for static methods). A call the method
  // rejects is a MethodResult with a failure code; a Status means the call never ran.
  virtual Result<MethodResult> invoke_method(const ObjectPath& object, std::string_view method,
                                             const PropertyList& in) = 0;

  // The wire problems seen since the last call (and forgets them). Targets that are not read
  // off a wire have none.
  virtual std::vector<WireProblem> take_wire_problems() { return {}; }
};

}  // namespace hvsnap::cim
