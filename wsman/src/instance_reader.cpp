// The client's reading of an instance in a response (CS-READ-1, decision 0060), and the
// grouping of an element's children by name that requests and responses share. An instance of
// a class read before with the same property elements in the same order (every instance of an
// enumeration, every poll of a job) is read through that class's layout (decision 0121): a
// property table made once, whose typed nulls stand until a value is set, so that reading one
// costs its set values, not its width.
#include <fmt/format.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/wsman/uris.h"
#include "lexical.h"
#include "messages_impl.h"
#include "xml.h"

namespace hvsnap::wsman {

namespace {

// ASCII case-insensitive hashing and equality, for grouping element names without lowered
// copies (CIM names are case-insensitive).
struct IHash {
  std::size_t operator()(std::string_view s) const {
    std::uint64_t h = 14695981039346656037ULL;  // FNV-1a over the lowered bytes
    for (char c : s) {
      h ^= static_cast<unsigned char>((c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c);
      h *= 1099511628211ULL;
    }
    return static_cast<std::size_t>(h);
  }
};
struct IEqual {
  bool operator()(std::string_view a, std::string_view b) const { return cim::iequals(a, b); }
};

}  // namespace

// Children of `parent` grouped by local name (case-insensitively), in first-seen order; the
// names are views of the document's text. Linear in the number of children (issue: 50,000
// parameters must not take seconds): the first kSmall names (an instance's few dozen
// properties) are found in a small open-addressed table on the stack, without an allocation
// per name; more through a hash index. The elements are then laid out group by group in one
// array (a counting sort), without a vector per group (decision 0095).
Grouped grouped(pugi::xml_node parent) {
  constexpr std::size_t kSlots = 256;  // a power of two; at most half full
  constexpr std::size_t kSmall = kSlots / 2;
  constexpr std::uint32_t kFree = UINT32_MAX;
  std::array<std::uint32_t, kSlots> slots;
  slots.fill(kFree);
  // The children, each with its group; then the groups' elements laid out side by side.
  std::size_t children = 0;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
    children += c.type() == pugi::node_element ? 1 : 0;
  std::vector<std::pair<pugi::xml_node, std::uint32_t>> seen;
  seen.reserve(children);
  std::vector<std::pair<std::string_view, std::size_t>> names;  // name, elements
  std::unordered_map<std::string_view, std::size_t, IHash, IEqual> index;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const std::string_view name = xml::local_name(c);
    std::size_t at = names.size();
    if (names.size() < kSmall) {
      std::size_t h = IHash{}(name) & (kSlots - 1);
      while (slots[h] != kFree && !cim::iequals(names[slots[h]].first, name))
        h = (h + 1) & (kSlots - 1);
      if (slots[h] == kFree) {
        slots[h] = static_cast<std::uint32_t>(names.size());
      } else {
        at = slots[h];
      }
    } else {
      if (index.empty()) {
        for (std::size_t i = 0; i < names.size(); ++i)
          index.emplace(names[i].first, i);
      }
      at = index.try_emplace(name, names.size()).first->second;
    }
    if (at == names.size()) {
      names.emplace_back(name, 1);
    } else {
      ++names[at].second;
    }
    seen.emplace_back(c, static_cast<std::uint32_t>(at));
  }
  Grouped out;
  out.nodes_.resize(seen.size());
  std::vector<std::size_t> next(names.size());  // where each group's next element goes
  for (std::size_t g = 0, at = 0; g < names.size(); ++g) {
    next[g] = at;
    at += names[g].second;
  }
  for (const auto& [node, g] : seen)
    out.nodes_[next[g]++] = node;
  out.groups_.reserve(names.size());
  for (std::size_t g = 0, at = 0; g < names.size(); ++g) {
    out.groups_.emplace_back(
        names[g].first, std::span<const pugi::xml_node>(out.nodes_.data() + at, names[g].second));
    at += names[g].second;
  }
  return out;
}

namespace {

// One class's properties as an instance of it was last read: the wire's names in order
// (distinct case-insensitively), each with its schema type, and the table of their typed nulls
// that the instances read through it share (so a layout replaced later stays alive as long as
// an instance made from it).
struct Layout {
  std::string class_name;    // the element's local name, exactly
  std::string resource_uri;  // the element's namespace, and the CIM namespace it names
  std::string name_space;
  cim::PropertyTablePtr table;
  std::vector<std::string_view> names;  // views of the table's names
  std::vector<const cim::schema::Type*> types;
  std::uint64_t used = 0;  // Layouts::clock at its last use
};

// Remembered per thread (no lock): at most kPerClass layouts of one class (the suite reads
// some classes whole and some, through IncludeResultProperty, in part; the least recently
// used one gives way), kLayouts in all, each of at most kProperties properties. A host that
// sends endless new classes or huge ones only leaves the rest to the general reading.
constexpr std::size_t kPerClass = 4;
constexpr std::size_t kLayouts = 128;
constexpr std::size_t kProperties = 1024;

struct Layouts {
  std::vector<Layout> all;
  std::uint64_t clock = 0;  // stamps each use, for the least recently used of a class
};

Layouts& layouts() {
  thread_local Layouts memo;
  return memo;
}

// Do e's child elements carry exactly the layout's names, in its order?
bool matches(const Layout& l, pugi::xml_node e) {
  std::size_t k = 0;
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    if (k == l.names.size() || xml::local_name(c) != l.names[k]) return false;
    ++k;
  }
  return k == l.names.size();
}

// The remembered layout of e's class that e's children match, or nullptr.
Layout* layout_for(std::string_view class_name, pugi::xml_node e) {
  Layouts& m = layouts();
  for (Layout& l : m.all) {
    if (l.class_name == class_name && matches(l, e)) {
      l.used = ++m.clock;
      return &l;
    }
  }
  return nullptr;
}

// The layout of e's children when each name occurs once (else nullptr: the general reading).
Layout* learn(std::string_view class_name, const Grouped& groups) {
  if (groups.size() > kProperties) return nullptr;
  cim::PropertyList nulls;
  nulls.reserve(groups.size());
  std::vector<const cim::schema::Type*> types;
  types.reserve(groups.size());
  for (const auto& [name, elems] : groups) {
    if (elems.size() != 1) return nullptr;
    const cim::schema::Type* type = client_type_of(name);
    types.push_back(type);
    // What read_client_value makes of one nil element.
    nulls.push_back(cim::Property{cim::Name(name),
                                  Value::null(type != nullptr ? type->type : cim::CimType::kString,
                                              type != nullptr && type->array)});
  }
  Layout made;
  made.class_name = std::string(class_name);
  try {
    made.table = std::make_shared<const cim::PropertyTable>(std::move(nulls));
  } catch (const std::invalid_argument&) {
    // Names equal case-insensitively: grouped() made them one group, so this cannot happen;
    // were it to, the general reading serves (never a crash on a host's answer).
    return nullptr;
  }
  made.names.reserve(groups.size());
  for (const auto& p : made.table->properties())
    made.names.push_back(p.name.view());
  made.types = std::move(types);
  Layouts& m = layouts();
  made.used = ++m.clock;
  Layout* oldest = nullptr;
  std::size_t of_class = 0;
  for (Layout& l : m.all) {
    if (l.class_name != class_name) continue;
    ++of_class;
    if (oldest == nullptr || l.used < oldest->used) oldest = &l;
  }
  if (of_class >= kPerClass) {
    *oldest = std::move(made);
    return oldest;
  }
  if (m.all.size() >= kLayouts) return nullptr;
  m.all.push_back(std::move(made));
  return &m.all.back();
}

// The CIM namespace named by the resource URI an instance element is in ("" when it names
// none), remembered with the layout.
std::string name_space_of(pugi::xml_node e, Layout* l) {
  const std::string_view uri = xml::ns_of(e);
  if (l != nullptr && l->resource_uri == uri) return l->name_space;
  auto res = uri::parse_resource_uri(uri);
  std::string ns = res.ok() ? res->name_space : std::string();
  if (l != nullptr) {
    l->resource_uri = std::string(uri);
    l->name_space = ns;
  }
  return ns;
}

cim::Instance read_by_layout(pugi::xml_node e, std::string_view class_name, const Layout& l,
                             std::vector<cim::WireProblem>& problems) {
  cim::Instance inst{cim::Name(class_name), l.table};
  xml::PrefixMemo scope(e);
  std::uint32_t k = 0;
  for (pugi::xml_node c = e.first_child(); c; c = c.next_sibling()) {
    if (c.type() != pugi::node_element) continue;
    const std::uint32_t slot = k++;
    if (xml::is_nil(c, &scope)) continue;  // the table's typed null stands
    inst.set_slot(slot, read_client_element(c, l.names[slot], class_name, l.types[slot], &read_epr,
                                            problems, &scope));
  }
  return inst;
}

}  // namespace

// An instance in a response (the client's side): each value by its type's lexical form, what
// breaks it kept in `problems` (CS-READ-1, decision 0060).
cim::Result<cim::Instance> read_instance(pugi::xml_node e,
                                         std::vector<cim::WireProblem>& problems) {
  const std::string_view class_name = xml::local_name(e);
  Layout* layout = layout_for(class_name, e);
  if (layout == nullptr) {
    const Grouped groups = grouped(e);
    layout = learn(class_name, groups);
    if (layout == nullptr) {
      // Repeated names (an array) or no room: each group read as it comes.
      cim::Instance inst{cim::Name(class_name)};
      inst.reserve(groups.size());
      xml::PrefixMemo scope(e);
      for (const auto& [name, elems] : groups) {
        inst.add(cim::Name(name),
                 read_client_value(elems, name, class_name, &read_epr, problems, &scope));
      }
      inst.set_path(ObjectPath{cim::Name(name_space_of(e, nullptr)), cim::Name(class_name)});
      return inst;
    }
  }
  cim::Instance inst = read_by_layout(e, class_name, *layout, problems);
  inst.set_path(ObjectPath{cim::Name(name_space_of(e, layout)), cim::Name(class_name)});
  return inst;
}

}  // namespace hvsnap::wsman
