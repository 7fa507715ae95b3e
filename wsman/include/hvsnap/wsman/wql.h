// WQL as WMI implements it for data queries (MS-WMI 2.2.1; contract §8, decision 0009):
//   SELECT * | p, q, … FROM Class [WHERE condition]
//     condition: comparisons (= != <> < > <= >=) of a property (or system property __CLASS,
//     __RELPATH, __PATH, __SERVER, __NAMESPACE, __GENUS, __PROPERTY_COUNT) with a literal,
//     LIKE with % _ [set] [^set], IS [NOT] NULL, ISA 'Class', AND / OR / NOT, parentheses.
//     Comparisons are typed by the property's CIM type (strings case-insensitively, as WMI).
//   ASSOCIATORS OF {path} [WHERE AssocClass = A ResultClass = R Role = x ResultRole = y
//                          KeysOnly]
//   REFERENCES OF {path} [WHERE ResultClass = R Role = x KeysOnly]
// Anything else WMI's grammar has but this service does not evaluate (ClassDefsOnly,
// SchemaOnly, RequiredQualifier, __SUPERCLASS, ISA against a superclass, …) is an error naming
// the construct — never a silent empty result.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/provider.h"

namespace hvsnap::wsman {

struct WqlLiteral {
  enum class Kind : std::uint8_t { kString, kNumber, kBoolean, kNull };
  Kind kind = Kind::kString;
  std::string text;  // the string (unquoted), the number as written, "TRUE"/"FALSE"
};

struct WqlExpr {
  enum class Kind : std::uint8_t { kAnd, kOr, kNot, kCompare, kLike, kIsNull, kIsa };
  Kind kind = Kind::kCompare;
  std::vector<WqlExpr> operands;  // kAnd, kOr: two; kNot: one
  std::string property;           // kCompare, kLike, kIsNull, kIsa
  std::string op;                 // kCompare: "=", "<>", "<", ">", "<=", ">="
  WqlLiteral literal;             // kCompare, kLike (the pattern), kIsa (the class)
  bool negated = false;           // kIsNull: IS NOT NULL; kLike: NOT LIKE
};

struct SelectQuery {
  std::string class_name;
  std::vector<std::string> properties;   // the projection; empty for *
  std::shared_ptr<const WqlExpr> where;  // null: no WHERE
};
struct AssociatorsQuery {
  cim::ObjectPath object;
  cim::AssociatorsFilter filter;
  bool keys_only = false;
};
struct ReferencesQuery {
  cim::ObjectPath object;
  cim::ReferencesFilter filter;
  bool keys_only = false;
};
using Query = std::variant<SelectQuery, AssociatorsQuery, ReferencesQuery>;

// Errors name what was expected (or the unsupported construct) and the offset.
cim::Result<Query> parse_wql(std::string_view text);

std::string write_select(std::string_view class_name,
                         const std::vector<std::pair<std::string, std::string>>& where = {});
// SELECT * FROM class WHERE (k = 'v' AND …) OR (…): the instances matching any of the key sets.
std::string write_select_any(
    std::string_view class_name,
    const std::vector<std::vector<std::pair<std::string, std::string>>>& any_of);
std::string write_associators(const cim::ObjectPath& object, const cim::AssociatorsFilter& filter);
std::string write_references(const cim::ObjectPath& object, const cim::ReferencesFilter& filter);

// What the system properties evaluate to for one instance.
struct WqlContext {
  std::string server = "localhost";  // __SERVER, and the host in __PATH
  // When set, a property the instance does not have is NULL for this instance and its name is
  // added here (the caller faults when no instance of the answer has it: WMI's instances carry
  // every property of their class, a fake's may not). When null, it is an error.
  std::vector<std::string>* absent = nullptr;
};

// Does the instance satisfy the WHERE clause? An error when the clause cannot be evaluated
// for it (a property the instance does not have, an array compared with a scalar, a literal
// of the wrong type, ISA against a class other than the embedded object's own).
cim::Result<bool> matches(const cim::Instance& inst, const SelectQuery& q,
                          const WqlContext& ctx = {});
// The instance reduced to the query's projection (unchanged for *); a property the instance
// does not have is an error, or NULL (recorded in ctx.absent) when ctx.absent is set.
cim::Result<cim::Instance> project(const cim::Instance& inst, const SelectQuery& q,
                                   const WqlContext& ctx = {});
// The instance reduced to its key properties (KeysOnly).
cim::Instance keys_only(const cim::Instance& inst);
// LIKE as WQL has it: % any run, _ one character, [abc], [a-z], [^…]; case-insensitive.
bool wql_like(std::string_view text, std::string_view pattern);

}  // namespace hvsnap::wsman
