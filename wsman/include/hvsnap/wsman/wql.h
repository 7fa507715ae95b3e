// The WQL a WS-Management client of Hyper-V sends in an Enumerate filter (contract §8):
//   SELECT * FROM Class [WHERE p = 'v' [AND q = 'w' …]]
//   ASSOCIATORS OF {path} [WHERE AssocClass = A ResultClass = R Role = x ResultRole = y]
//   REFERENCES OF {path} [WHERE ResultClass = R Role = x]
// Keywords are case-insensitive; values in SELECT are quoted ('…' or "…", backslash escapes)
// or bare numbers and TRUE/FALSE. A property list in SELECT is accepted; every property is
// returned (projection is an optimisation WinRM also does not guarantee).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"

namespace hvsnap::wsman {

struct SelectQuery {
  std::string class_name;
  std::vector<std::pair<std::string, std::string>> where;  // property = literal (unquoted)
};
struct AssociatorsQuery {
  cim::ObjectPath object;
  cim::AssociatorsFilter filter;
};
struct ReferencesQuery {
  cim::ObjectPath object;
  cim::ReferencesFilter filter;
};
using Query = std::variant<SelectQuery, AssociatorsQuery, ReferencesQuery>;

// Errors name what was expected and the offset.
cim::Result<Query> parse_wql(std::string_view text);

std::string write_select(std::string_view class_name,
                         const std::vector<std::pair<std::string, std::string>>& where = {});
std::string write_associators(const cim::ObjectPath& object, const cim::AssociatorsFilter& filter);
std::string write_references(const cim::ObjectPath& object, const cim::ReferencesFilter& filter);

// Does the instance satisfy the WHERE clause? Strings compare case-insensitively (as WMI
// does), numbers by value, booleans by truth.
bool matches(const cim::Instance& inst, const SelectQuery& q);

}  // namespace hvsnap::wsman
