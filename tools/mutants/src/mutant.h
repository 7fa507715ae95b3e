// The base every provider mutant derives from: a cim::Provider that forwards to the fake and
// gives a mutant five places to misbehave — before a method runs, after it ran, on every
// instance a read returns, on the list a read returns, and on the fake's state between calls. Calls
// are serialised so that a state edit (dump, change, load) is never interleaved with another
// caller.
#pragma once

#include <memory>
#include <mutex>
#include <optional>

#include "hvsnap/cim/provider.h"
#include "hvsnap/sim/host.h"

namespace hvsnap::tools::mutants {

// Where an instance being returned comes from.
struct ReadContext {
  enum class Kind { kGet, kEnumerate, kAssociators, kReferences };
  static ReadContext of(Kind k, const cim::ObjectPath* object) {
    ReadContext c;
    c.kind = k;
    c.object = object;
    return c;
  }
  Kind kind = Kind::kGet;
  const cim::ObjectPath* object = nullptr;  // the path read, or the source of the association
  std::string_view class_name;              // enumerate: the class asked for
  std::string_view assoc_class;             // associators / references filter
  std::string_view result_class;
};

class Mutant : public cim::Provider {
 public:
  explicit Mutant(std::shared_ptr<sim::Host> host) : host_(std::move(host)) {}

  cim::Result<cim::Instance> get_instance(const cim::ObjectPath& path) final;
  // One batched read of the fake (its clock moves as over the wire, decision 0133), each answer
  // then treated as get_instance treats its own.
  std::vector<cim::Result<cim::Instance>> get_instances(
      const std::vector<cim::ObjectPath>& paths) final;
  cim::Result<std::vector<cim::Instance>> enumerate_instances(std::string_view name_space,
                                                              std::string_view class_name) final;
  cim::Result<std::vector<cim::Instance>> associators(const cim::ObjectPath& object,
                                                      const cim::AssociatorsFilter& filter) final;
  cim::Result<std::vector<cim::Instance>> references(const cim::ObjectPath& object,
                                                     const cim::ReferencesFilter& filter) final;
  cim::Result<cim::MethodResult> invoke_method(const cim::ObjectPath& object,
                                               std::string_view method,
                                               const cim::PropertyList& in) final;

 protected:
  // Rewrites the input before the fake sees it, or answers instead of the fake.
  virtual std::optional<cim::Result<cim::MethodResult>> before_invoke(const cim::ObjectPath&,
                                                                      std::string_view,
                                                                      cim::PropertyList&) {
    return std::nullopt;
  }
  virtual void after_invoke(const cim::ObjectPath&, std::string_view, const cim::PropertyList&,
                            cim::Result<cim::MethodResult>&) {}
  // Every instance a read returns; false hides it.
  virtual bool rewrite(cim::Instance&, const ReadContext&) { return true; }
  // What an enumeration or association read returns, after `rewrite`: may add instances.
  virtual void extend(std::vector<cim::Instance>&, const ReadContext&) {}
  // The path the fake is asked for when a client names `p` (reads and method calls).
  virtual cim::ObjectPath route(const cim::ObjectPath& p) { return p; }
  // A Get's answer, after `rewrite`: may turn "not found" into an instance.
  virtual void after_get(const cim::ObjectPath&, cim::Result<cim::Instance>&) {}
  // Changes the fake's state; called before and after every call while `edits()` is true.
  // Returns true when it changed something (the state is then loaded back).
  virtual bool edit(sim::HostState&) { return false; }
  virtual bool edits() const { return false; }

  sim::Host& host() { return *host_; }

 private:
  void run_edit();
  cim::Result<std::vector<cim::Instance>> filter(cim::Result<std::vector<cim::Instance>> r,
                                                 const ReadContext& ctx);

  std::shared_ptr<sim::Host> host_;
  std::recursive_mutex mu_;
};

}  // namespace hvsnap::tools::mutants
