// Private to the envelope codec: what messages*.cpp share — the envelope's opening tag and the
// small writers (messages_write.cpp), the fault subcode prefixes (messages_faults.cpp), and the
// reading of a loaded envelope, its values, EPRs and instances (messages.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <pugixml.hpp>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hvsnap/cim/provider.h"
#include "hvsnap/cim/result.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {

using cim::ObjectPath;
using cim::Value;

// ---------------------------------------------------------------- writing (messages_write.cpp)

inline constexpr std::string_view kEnvelopeOpen =
    "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
    "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" "
    "xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/09/transfer\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
    "xmlns:cim=\"http://schemas.dmtf.org/wbem/wscim/1/common\">";

// <qname>escaped text</qname>
void element(std::string& out, std::string_view qname, std::string_view text);
// The SOAP header of a response or fault.
std::string header(std::string_view action, std::string_view message_id,
                   std::string_view relates_to);

// ---------------------------------------------------------------- faults (messages_faults.cpp)

// The prefix kEnvelopeOpen binds to a fault subcode's namespace.
std::string_view prefix_for(std::string_view ns);

// ---------------------------------------------------------------- reading (messages.cpp)

struct Loaded {
  pugi::xml_document doc;
  pugi::xml_node header, body;
  bool well_formed = true;  // false: the text is not XML at all (an answer cut short, a page)
};

// Size, XML, DOCTYPE, depth, SOAP 1.2 envelope: the checks every message passes first.
std::optional<Fault> load(std::string_view text, const ParseLimits& limits, Loaded& out,
                          bool strict);
std::uint32_t to_u32(std::string_view text, std::uint32_t fallback);
cim::Result<cim::ObjectPath> read_epr(pugi::xml_node n);
cim::Result<cim::ObjectPath> path_from(std::string_view resource, pugi::xml_node selector_set);
// Elements of one property/parameter -> a value. `strict`: a text that does not parse as the
// schema's type is an error (server reading a request) rather than kept as text (client).
cim::Result<cim::Value> read_value(std::span<const pugi::xml_node> elems, std::string_view name,
                                   bool strict);
// Children of `parent` grouped by local name (case-insensitively), in first-seen order, each
// group's elements in document order. One array holds every group's elements side by side
// (the groups are views of it): a few allocations per instance, not one per property
// (decision 0095).
class Grouped {
 public:
  using Group = std::pair<std::string_view, std::span<const pugi::xml_node>>;
  auto begin() const { return groups_.begin(); }
  auto end() const { return groups_.end(); }
  std::size_t size() const { return groups_.size(); }

 private:
  friend Grouped grouped(pugi::xml_node parent);
  std::vector<pugi::xml_node> nodes_;
  std::vector<Group> groups_;
};
Grouped grouped(pugi::xml_node parent);
cim::Result<cim::Instance> read_instance(pugi::xml_node e, std::vector<cim::WireProblem>& problems);

}  // namespace hvsnap::wsman
