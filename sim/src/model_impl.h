// Private to the object model (model.cpp, model_instances.cpp, model_assoc.cpp): the
// association table of contract §1, class inheritance for filters, and the InstanceID and
// service-name spellings the parts share.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "host_impl.h"
#include "hvsnap/cim/names.h"

namespace hvsnap::sim {

namespace names = cim::names;
using cim::Instance;
using cim::Name;
using namespace cim::literals;
using cim::ObjectPath;
using cim::Value;

struct AssocDef {
  std::string_view cls;
  std::string_view role_a;
  NodeKind kind_a;
  std::string_view role_b;
  NodeKind kind_b;
};

// The associations of §1, derived from the records (never stored twice); defined in
// model_assoc.cpp. Host::Impl::assoc_layout indexes it by address.
extern const std::array<AssocDef, 16> kAssocs;

bool known_class(std::string_view cls);
// Is `cls` the class `ancestor` or one of its subclasses?
bool is_a(std::string_view cls, std::string_view ancestor);

inline constexpr std::string_view kMicrosoftPrefix = "Microsoft:";

std::string_view service_name(NodeKind k);

}  // namespace hvsnap::sim
