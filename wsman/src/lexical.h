// How the client reads a value off the wire (contract CS-READ-1, decision 0060): every property
// and out-parameter by its schema type (cim::schema::type_of), accepting every lexical form
// DSP0230 allows — xs:boolean true/false/1/0, integers in XSD's lexical space and in range,
// datetimes as a cim:cimDateTime element (cim:Datetime, cim:Interval, cim:CIM_DateTime, …),
// references as endpoint references — and reporting every other form as a WireProblem while
// still reading it leniently where it can, so that a run goes on and names the defect.
#pragma once

#include <pugixml.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/result.h"
#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/value.h"
#include "xml.h"

namespace hvsnap::wsman {

using EprReader = cim::Result<cim::ObjectPath> (*)(pugi::xml_node);

// The elements of one property or parameter `name` of `owner` (the class, or the method output
// element) -> a value. Never fails: a value whose form breaks its type is read as well as it
// can be (else kept as text) and reported in `problems` as "Owner.Name". `scope`, when given,
// remembers the prefixes of the elements' parent (xml::is_nil, and a datetime's element).
cim::Value read_client_value(std::span<const pugi::xml_node> elems, std::string_view name,
                             std::string_view owner, EprReader read_epr,
                             std::vector<cim::WireProblem>& problems,
                             xml::PrefixMemo* scope = nullptr);

// The schema type the client reads a property or parameter of that name by (cim::schema::
// type_of, remembered per thread), or nullptr.
const cim::schema::Type* client_type_of(std::string_view name);
// One element `e` of `name`, not nil (the caller asked), of `type` (client_type_of(name)) ->
// its value, as read_client_value reads a property of one element. `scope`, when given,
// remembers the prefixes of an ancestor of e (a datetime's element is resolved through it).
cim::Value read_client_element(pugi::xml_node e, std::string_view name, std::string_view owner,
                               const cim::schema::Type* type, EprReader read_epr,
                               std::vector<cim::WireProblem>& problems,
                               xml::PrefixMemo* scope = nullptr);

// Does the element carry an endpoint reference (WS-Addressing ReferenceParameters or
// EndpointReference)?
bool holds_epr(pugi::xml_node n);

// The lexical checks, exposed for tests. Each answers "" for a legal form, else what is wrong.
std::string xsd_boolean_problem(std::string_view text);
std::string xsd_integer_problem(std::string_view text, cim::CimType type);
std::string xsd_real_problem(std::string_view text);

}  // namespace hvsnap::wsman
