// The observation step (contract §4): every read the oracle's judgement rests on. The suite
// observes the host in scope before and after a call, then makes the further reads the call's
// outcome calls for (model::plan_reads); the oracle then judges the resulting value without
// touching the target again.
#pragma once

#include <map>
#include <set>
#include <string>

#include "hvsnap/cim/provider.h"
#include "hvsnap/conformance/model/observation.h"
#include "hvsnap/conformance/model/view.h"

namespace hvsnap::conformance {

// A lean observation (every one a matrix case makes, decision 0109) leaves unread, in a view
// before a call (`before_call`) only, what the contract fixes without a read. A view after a
// call reads everything in scope: that view is what the oracle judges a call by (CS-OUT-16,
// CS-INV-3, CS-INV-9: a host that changes what it must not is seen there). Before a call:
// - a VM's most-current pointer when the VM has no checkpoint (contract §1: the pointer names
//   the VM's newest checkpoint; with none there is nothing for it to name);
// - a snapshot collection's members once two reads found them the same (contract §1: a snapshot
//   collection is immutable once created). Its ElementName is still read, with the association
//   or the Get that reaches it, and it is still reached afresh (a collection gone is seen gone);
// - a watched job whose end two reads confirmed: its
//   last read stands (contract §4, CS-INV-6 and CS-INV-9: a terminal state never changes). The
//   view after the call reads it, and that read is what CS-INV-9 judges;
// - in a view before a call, the VMs and groups `reuse` names as they were in `last` (the view
//   after the case's previous call): objects no call of the suite named since, and no VM in a
//   transition (Client::observe, decision 0109). Every view after a call reads them all.
struct LeanReads {
  std::map<std::string, model::CollectionView> read_once;  // members as one read found them
  std::map<std::string, model::CollectionView> confirmed;  // ... and a second read confirmed
  std::map<std::string, model::JobView> ended;  // a watched job's last read, once it ended
  bool before_call = false;                     // the view being made is before a call
  const model::HostView* last = nullptr;        // the view after the previous call
  std::set<std::string> reuse;                  // VMs and groups taken from it
};

// Reads the view; a failed read is recorded, never thrown: in `errors` when the host answered
// it with an error, in `lost` when no answer came back (decision 0161). `lean`: a lean
// observation.
model::HostView observe(cim::Provider& provider, const model::Scope& scope,
                        LeanReads* lean = nullptr);
// One snapshot collection and its members (one that no group in scope links); a failed read
// goes to `view`'s errors or lost.
model::CollectionView observe_collection(cim::Provider& provider, const cim::ObjectPath& path,
                                         model::HostView& view, std::string element_name);
// Carries out `plan` and stores what it read in `o`; a read no answer came back for is added
// to `o.after.lost`.
void complete_observation(cim::Provider& provider, const model::ReadPlan& plan,
                          model::Observation& o);
// The reads `o`'s outcome calls for (model::plan_reads), carried out; `management`: the call
// named a management collection.
void complete_observation(cim::Provider& provider, bool management, model::Observation& o);

}  // namespace hvsnap::conformance
