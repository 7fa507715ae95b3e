// The dispatch of the WMI methods the fake models (contract §1): the table of each modelled
// method with the parameters it reads and writes, the declarations the schema test holds to the
// table, and Host::Impl::invoke, which answers Not Supported for a method the schema declares and
// the table does not model (decision 0014). The methods themselves are in methods.cpp and
// methods_snapshot.cpp.
#include <fmt/format.h>

#include "hvsnap/cim/text.h"
#include "methods_impl.h"

namespace hvsnap::sim {

namespace {

// The methods the fake models (contract §1), with the parameters each one reads and writes;
// every other method the schema table declares for a served class answers Not Supported in
// the personality's code family (decision 0014). The schema test holds this list to the table.
struct Modelled {
  NodeKind kind;
  std::string_view method;
  std::initializer_list<std::string_view> in;
  std::initializer_list<std::string_view> out;
  MethodResult (*call)(Methods&, const Node&, const PropertyList&);
};

const Modelled kModelled[] = {
    {NodeKind::kCollectionSnapshotService,
     "CreateSnapshot",
     {"Collection", "SnapshotSettings", "SnapshotType", "ResultingSnapshotCollection"},
     {"ResultingSnapshotCollection", "Job"},
     [](Methods& m, const Node&, const PropertyList& in) { return m.create_snapshot(in); }},
    {NodeKind::kCollectionSnapshotService,
     "DestroySnapshot",
     {"AffectedSnapshotCollection"},
     {"Job"},
     [](Methods& m, const Node&, const PropertyList& in) {
       return m.destroy_or_apply(in, JobKind::kDestroySnapshot);
     }},
    {NodeKind::kCollectionSnapshotService,
     "ApplySnapshot",
     {"SnapshotCollection"},
     {"Job"},
     [](Methods& m, const Node&, const PropertyList& in) {
       return m.destroy_or_apply(in, JobKind::kApplySnapshot);
     }},
    {NodeKind::kCollectionManagementService,
     "DefineCollection",
     {"Name", "Id", "Type"},
     {"DefinedCollection"},
     [](Methods& m, const Node&, const PropertyList& in) { return m.define_collection(in); }},
    {NodeKind::kCollectionManagementService,
     "DestroyCollection",
     {"Collection"},
     {},
     [](Methods& m, const Node&, const PropertyList& in) { return m.destroy_collection(in); }},
    {NodeKind::kCollectionManagementService,
     "RenameCollection",
     {"Collection", "NewName"},
     {},
     [](Methods& m, const Node&, const PropertyList& in) { return m.rename_collection(in); }},
    {NodeKind::kCollectionManagementService,
     "AddMember",
     {"Member", "Collection"},
     {},
     [](Methods& m, const Node&, const PropertyList& in) {
       return m.add_or_remove_member(in, true);
     }},
    {NodeKind::kCollectionManagementService,
     "RemoveMember",
     {"Member", "Collection"},
     {},
     [](Methods& m, const Node&, const PropertyList& in) {
       return m.add_or_remove_member(in, false);
     }},
    {NodeKind::kCollectionManagementService,
     "RemoveMemberById",
     {"Member", "CollectionId"},
     {},
     [](Methods& m, const Node&, const PropertyList& in) { return m.remove_member_by_id(in); }},
    {NodeKind::kVsms,
     "DefineSystem",
     {"SystemSettings"},
     {"ResultingSystem"},
     [](Methods& m, const Node&, const PropertyList& in) { return m.define_system(in); }},
    {NodeKind::kVsms,
     "DestroySystem",
     {"AffectedSystem"},
     {"Job"},
     [](Methods& m, const Node&, const PropertyList& in) { return m.destroy_system(in); }},
    {NodeKind::kVsms,
     "ModifySystemSettings",
     {"SystemSettings"},
     {},
     [](Methods& m, const Node&, const PropertyList& in) { return m.modify_system_settings(in); }},
    {NodeKind::kVm,
     "RequestStateChange",
     {"RequestedState"},
     {"Job"},
     [](Methods& m, const Node& n, const PropertyList& in) {
       return m.vm_request_state_change(n.id, in);
     }},
    {NodeKind::kJob,
     "RequestStateChange",
     {"RequestedState", "TimeoutPeriod"},
     {},
     [](Methods& m, const Node& n, const PropertyList& in) {
       return m.job_request_state_change(n.id, in);
     }},
    {NodeKind::kJob,
     "GetError",
     {},
     {"Error"},
     [](Methods& m, const Node& n, const PropertyList&) { return m.get_error(n.id, false); }},
    {NodeKind::kJob,
     "GetErrorEx",
     {},
     {"Errors"},
     [](Methods& m, const Node& n, const PropertyList&) { return m.get_error(n.id, true); }},
};

}  // namespace

std::vector<MethodDeclaration> declared_methods() {
  std::vector<MethodDeclaration> out;
  for (const Modelled& m : kModelled) {
    out.push_back(MethodDeclaration{Host::Impl::class_of(m.kind), m.method,
                                    std::vector<std::string_view>(m.in),
                                    std::vector<std::string_view>(m.out)});
  }
  return out;
}

cim::Result<MethodResult> Host::Impl::invoke(const ObjectPath& object, std::string_view method,
                                             const PropertyList& in) {
  HVSNAP_ASSIGN_OR_RETURN(Node node, resolve(object));
  const ClassLayout* layout = schema->kind_layouts[static_cast<std::size_t>(node.kind)];
  HVSNAP_ASSERT(layout != nullptr);  // resolve() only yields served kinds
  const cim::schema::MethodDef* def = layout->def->method(method);
  if (def == nullptr || !def->exists_at(host_build)) {
    return cim::Status(
        cim::StatusKind::kMethodNotFound,
        fmt::format("{} has no method {} at build {}", class_of(node.kind), method, host_build));
  }
  Methods m(*this);
  for (const Modelled& mm : kModelled) {
    if (mm.kind == node.kind && cim::iequals(mm.method, def->name)) return mm.call(m, node, in);
  }
  // Declared by the schema, not modelled here: Not Supported, nothing changes (decision 0014).
  MethodResult r;
  r.return_value = code(cim::ReturnCode::kNotSupported);
  return r;
}

}  // namespace hvsnap::sim
