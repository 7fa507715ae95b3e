// The WS-Man codec (contract §8): random instances, paths, parameters and faults survive
// encode -> decode; WQL survives write -> parse; envelopes in the shapes real clients send
// (default namespace, s: and env: prefixes, CDATA embedded instances) parse by namespace URI.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <sstream>

#include "envelope_files.h"
#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/names.h"
#include "hvsnap/cim/schema.h"
#include "hvsnap/cim/testing/generators.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/uris.h"
#include "hvsnap/wsman/wql.h"

namespace hvsnap::cim {
// How RapidCheck shows these in a counterexample.
inline void showValue(const ObjectPath& p, std::ostream& os) {
  os << p.to_string();
}
inline void showValue(const Value& v, std::ostream& os) {
  os << to_string(v.type()) << (v.is_array() ? "[]" : "") << " ";
  if (v.is_null()) {
    os << "NULL";
  } else if (v.is_array()) {
    for (const auto& s : v.items())
      os << "{" << Value::scalar_to_text(v.type(), s) << "}";
  } else {
    os << "{" << v.to_text() << "}";
  }
}
inline void showValue(const Property& p, std::ostream& os) {
  os << p.name << "=";
  showValue(p.value, os);
}
}  // namespace hvsnap::cim

namespace hvsnap::wsman {
namespace {

#define RC_ASSERT_SAME(a, b)  \
  do {                        \
    if (!((a) == (b))) {      \
      std::ostringstream os_; \
      os_ << "sent ";         \
      cim::showValue(b, os_); \
      os_ << "\n got ";       \
      cim::showValue(a, os_); \
      RC_FAIL(os_.str());     \
    }                         \
  } while (false)

using cim::CimType;
using cim::Instance;
using cim::ObjectPath;
using cim::Value;
namespace ct = cim::testing;

constexpr const char* kNs = "root\\virtualization\\v2";

// Names the schema types (so the wire gives the type back): every kind the classes use.
const std::vector<std::string>& schema_names() {
  static const std::vector<std::string> names = {"Caption",
                                                 "CollectionID",
                                                 "ConsistencyLevel",
                                                 "CreationTime",
                                                 "ElapsedTime",
                                                 "ElementEffects",
                                                 "ElementName",
                                                 "EnabledState",
                                                 "ErrorCode",
                                                 "ErrorDescription",
                                                 "Errors",
                                                 "GuestBackupType",
                                                 "HealthState",
                                                 "InstanceID",
                                                 "Name",
                                                 "PercentComplete",
                                                 "RequestedState",
                                                 "TimeBeforeRemoval",
                                                 "Cancellable",
                                                 "DeleteOnCompletion",
                                                 "Parent",
                                                 "ResultingSystem",
                                                 "AffectedElement",
                                                 "RunSeed",
                                                 "Milliseconds",
                                                 "Disks"};
  return names;
}

// A path as it travels in an EPR: namespace, class, named string keys (the wire has no key
// kinds and no host; a keyless path is a singleton).
rc::Gen<ObjectPath> wire_path() {
  return rc::gen::exec([] {
    ObjectPath p(kNs, *ct::identifier());
    const int n = *rc::gen::inRange(1, 4);
    std::set<std::string, cim::ILess> used;
    for (int i = 0; i < n; ++i) {
      std::string k = *ct::identifier();
      if (!used.insert(k).second) continue;
      p.add_key(k, *ct::xml_safe_string());
    }
    return p;
  });
}

rc::Gen<cim::Scalar> wire_scalar(CimType t) {
  if (t == CimType::kReference) {
    return rc::gen::map(wire_path(), [](ObjectPath p) {
      return cim::Scalar(std::make_shared<const ObjectPath>(std::move(p)));
    });
  }
  return ct::detail::scalar_of(t, 2);
}

// A value of the schema's type for `name` (arrays: 1..3 elements; null sometimes).
rc::Gen<Value> wire_value(const std::string& name) {
  const cim::schema::Type* t = cim::schema::type_of(name);
  RC_ASSERT(t != nullptr);
  const cim::schema::Type type = *t;
  return rc::gen::exec([type] {
    if (*rc::gen::inRange(0, 8) == 0) return Value::null(type.type, type.array);
    if (type.array) {
      const auto n = *rc::gen::inRange<std::size_t>(1, 4);
      return Value::array(type.type,
                          *rc::gen::container<std::vector<cim::Scalar>>(n, wire_scalar(type.type)));
    }
    return Value::of(type.type, *wire_scalar(type.type));
  });
}

rc::Gen<cim::PropertyList> wire_properties() {
  return rc::gen::exec([] {
    cim::PropertyList out;
    std::set<std::string, cim::ILess> used;
    const int n = *rc::gen::inRange(0, 10);
    for (int i = 0; i < n; ++i) {
      std::string name = *rc::gen::elementOf(schema_names());
      if (!used.insert(name).second) continue;
      out.push_back({cim::Name(name), *wire_value(name)});
    }
    // A name the schema does not know travels as text.
    if (*rc::gen::arbitrary<bool>()) {
      out.push_back({cim::Name("Zz_Unknown"), Value::string(*ct::xml_safe_string())});
    }
    return out;
  });
}

Request get_request(const ObjectPath& p) {
  Request r;
  r.op = Operation::kGet;
  r.action = std::string(uri::kActionGet);
  r.resource_uri = uri::resource_uri(p.name_space(), p.class_name());
  r.message_id = "uuid:00000000-0000-0000-0000-000000000001";
  r.target = p;
  return r;
}

// `levels` elements nested in the envelope's header, each in a namespace of its own.
std::string nested_in_header(std::string xml, int levels) {
  std::string nest;
  for (int i = 0; i < levels; ++i)
    nest += "<x:n xmlns:x=\"urn:x\">";
  for (int i = 0; i < levels; ++i)
    nest += "</x:n>";
  const std::size_t at = xml.find("</s:Header>");
  EXPECT_NE(at, std::string::npos);
  if (at != std::string::npos) xml.insert(at, nest);
  return xml;
}

// ParseLimits::max_depth (48, counted from the Envelope as 1): a request or an answer whose
// elements nest deeper is refused before anything of it is read (EncodingLimit on the server,
// an error on the client); one at the limit is read.
TEST(WsmanCodec, ElementsNestedPastTheDepthLimitAreRefusedAndAtItRead) {
  const ParseLimits limits;
  ASSERT_EQ(limits.max_depth, 48);
  ObjectPath vm{std::string(cim::names::kNamespace), std::string(cim::names::kComputerSystem)};
  vm.add_key(cim::Name("Name"), "x");
  const Request get = get_request(vm);
  Response resp;
  resp.action = std::string(uri::kActionGetResponse);
  resp.relates_to = get.message_id;
  resp.items.push_back(Item{Instance(cim::Name(cim::names::kComputerSystem)), std::nullopt});
  const std::string answer = write_response(get, resp, "uuid:00000000-0000-4000-8000-000000000002");
  // Envelope 1, Header 2, the nest 3 and deeper.
  for (const int levels : {46, 47, 200}) {
    SCOPED_TRACE(levels);
    const bool over = 2 + levels > limits.max_depth;
    auto request = parse_request(nested_in_header(write_request(get), levels));
    if (over) {
      const auto* f = std::get_if<Fault>(&request);
      ASSERT_NE(f, nullptr);
      EXPECT_EQ(f->subcode, "EncodingLimit");
      EXPECT_NE(f->reason.find("nest deeper than 48"), std::string::npos) << f->reason;
    } else {
      EXPECT_TRUE(std::holds_alternative<Request>(request)) << std::get<Fault>(request).to_string();
    }
    auto back = parse_response(nested_in_header(answer, levels));
    EXPECT_EQ(back.ok(), !over) << back.status().to_string();
    if (over) {
      EXPECT_NE(back.status().message().find("nest deeper than 48"), std::string::npos)
          << back.status().to_string();
    }
  }
}

RC_GTEST_PROP(WsmanCodec, InstancesSurviveAGetResponse, ()) {
  const ObjectPath path = *wire_path();
  Instance inst(cim::Name(path.class_name()));
  for (auto& p : *wire_properties())
    inst.set(p.name, p.value);
  const Request req = get_request(path);
  Response resp;
  resp.action = std::string(uri::kActionGetResponse);
  resp.relates_to = req.message_id;
  resp.items.push_back(Item{inst, std::nullopt});
  const std::string xml = write_response(req, resp, "uuid:00000000-0000-4000-8000-000000000002");
  auto back = parse_response(xml);
  RC_ASSERT(back.ok());
  RC_ASSERT(back->items.size() == 1U);
  RC_ASSERT(back->items[0].instance.has_value());
  const Instance& got = *back->items[0].instance;
  RC_ASSERT(got.class_name() == inst.class_name());
  for (const auto& p : inst.properties()) {
    const Value* v = got.get(p.name);
    RC_ASSERT(v != nullptr);
    RC_ASSERT_SAME(*v, p.value);
  }
  RC_ASSERT(got.properties().size() == inst.properties().size());
}

RC_GTEST_PROP(WsmanCodec, InvokeRequestsKeepTargetMethodAndParameters, ()) {
  const ObjectPath target = *wire_path();
  Request r;
  r.op = Operation::kInvoke;
  r.resource_uri = uri::resource_uri(target.name_space(), target.class_name());
  r.method = *ct::identifier();
  r.action = r.resource_uri + "/" + r.method;
  r.message_id = "uuid:00000000-0000-4000-8000-000000000003";
  r.target = target;
  r.in = *wire_properties();
  // An embedded instance travels as CIM-XML text in a string parameter.
  Instance settings("Msvm_CollectionSnapshotSettingData");
  settings.set("ConsistencyLevel", Value::uint8(*rc::gen::inRange<std::uint8_t>(0, 3)));
  settings.set("ElementName", Value::string(*ct::xml_safe_string()));
  const std::string embedded = cim::format_embedded_instance(settings, cim::XmlDtd::kWmi20);
  r.in.push_back({cim::Name("SnapshotSettings"), Value::string(embedded)});

  auto parsed = parse_request(write_request(r));
  RC_ASSERT(std::holds_alternative<Request>(parsed));
  const Request& got = std::get<Request>(parsed);
  RC_ASSERT(got.op == Operation::kInvoke);
  RC_ASSERT(got.method == r.method);
  RC_ASSERT(got.target == target);
  RC_ASSERT(got.in.size() == r.in.size());
  for (const auto& p : r.in) {
    const Value* v = cim::find(got.in, p.name);
    RC_ASSERT(v != nullptr);
    RC_ASSERT_SAME(*v, p.value);
  }
  auto inst = cim::parse_embedded_instance(*cim::find(got.in, "SnapshotSettings")->as_string());
  RC_ASSERT(inst.ok());
  RC_ASSERT(*inst == settings);
}

RC_GTEST_PROP(WsmanCodec, MethodOutputSurvivesAnInvokeResponse, ()) {
  const ObjectPath target = *wire_path();
  Request r;
  r.op = Operation::kInvoke;
  r.resource_uri = uri::resource_uri(target.name_space(), target.class_name());
  r.method = "CreateSnapshot";
  r.action = r.resource_uri + "/" + r.method;
  r.message_id = "uuid:00000000-0000-4000-8000-000000000004";
  r.target = target;
  cim::MethodResult out;
  out.return_value = *rc::gen::arbitrary<std::uint32_t>();
  out.out = *wire_properties();
  Response resp;
  resp.action = r.action + "Response";
  resp.output = out;
  auto back = parse_response(write_response(r, resp, "uuid:00000000-0000-4000-8000-000000000005"));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->output.has_value());
  RC_ASSERT(back->output->return_value == out.return_value);
  for (const auto& p : out.out) {
    const Value* v = cim::find(back->output->out, p.name);
    RC_ASSERT(v != nullptr);
    RC_ASSERT_SAME(*v, p.value);
  }
}

RC_GTEST_PROP(WsmanCodec, EndpointReferencesSurviveAPull, ()) {
  Request r;
  r.op = Operation::kPull;
  r.action = std::string(uri::kActionPull);
  r.resource_uri = uri::resource_uri(kNs, "*");
  r.message_id = "uuid:00000000-0000-4000-8000-000000000006";
  r.context = "ctx";
  Response resp;
  resp.action = std::string(uri::kActionPullResponse);
  const auto paths = *rc::gen::container<std::vector<ObjectPath>>(wire_path());
  for (const auto& p : paths)
    resp.items.push_back(Item{std::nullopt, p});
  resp.end_of_sequence = true;
  auto back = parse_response(write_response(r, resp, "uuid:00000000-0000-4000-8000-000000000007"));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->items.size() == paths.size());
  for (std::size_t i = 0; i < paths.size(); ++i) {
    RC_ASSERT(back->items[i].epr.has_value());
    RC_ASSERT(*back->items[i].epr == paths[i]);
  }
  RC_ASSERT(back->end_of_sequence);
}

RC_GTEST_PROP(WsmanCodec, FaultsKeepSubcodeReasonAndWindowsCode, ()) {
  const std::string reason = *ct::xml_safe_string();
  const Fault f = *rc::gen::element(
      faults::invalid_selectors(reason), faults::encoding_limit(reason),
      faults::destination_unreachable(reason), faults::schema_validation(reason),
      faults::action_not_supported(reason), faults::invalid_enumeration_context(reason),
      faults::cannot_process_filter(reason), faults::internal_error(reason));
  auto back = parse_response(write_fault(f, "uuid:00000000-0000-4000-8000-000000000008",
                                         "uuid:00000000-0000-4000-8000-000000000009"));
  RC_ASSERT(back.ok());
  RC_ASSERT(back->fault.has_value());
  RC_ASSERT(back->fault->subcode == f.subcode);
  RC_ASSERT(back->fault->subcode_ns == f.subcode_ns);
  RC_ASSERT(back->fault->wsman_code == f.wsman_code);
  // The reason is text for people: surrounding white space is not kept.
  const auto b = f.reason.find_first_not_of(" \t\r\n");
  const auto e = f.reason.find_last_not_of(" \t\r\n");
  RC_ASSERT(back->fault->reason ==
            (b == std::string::npos ? std::string() : f.reason.substr(b, e - b + 1)));
}

RC_GTEST_PROP(Wql, AssociatorsQueriesSurviveWriteAndParse, ()) {
  ObjectPath p = *wire_path();
  cim::AssociatorsFilter f;
  auto maybe = [](std::string s) { return *rc::gen::arbitrary<bool>() ? s : std::string(); };
  f.assoc_class = maybe("Msvm_AffectedJobElement");
  f.result_class = maybe("Msvm_ConcreteJob");
  f.role = maybe("AffectedElement");
  f.result_role = maybe("AffectingElement");
  auto q = parse_wql(write_associators(p, f));
  RC_ASSERT(q.ok());
  const auto* a = std::get_if<AssociatorsQuery>(&*q);
  RC_ASSERT(a != nullptr);
  RC_ASSERT(a->object == p);
  RC_ASSERT(a->filter.assoc_class == f.assoc_class);
  RC_ASSERT(a->filter.result_class == f.result_class);
  RC_ASSERT(a->filter.role == f.role);
  RC_ASSERT(a->filter.result_role == f.result_role);
}

RC_GTEST_PROP(Wql, SelectWhereClausesSurviveWriteAndParse, ()) {
  // What the client writes, the server reads back as the same condition: an instance holding
  // exactly those values matches; changing any one of them makes it not match.
  std::vector<std::pair<std::string, std::string>> where;
  std::set<std::string, cim::ILess> used;
  const int n = *rc::gen::inRange(0, 4);
  for (int i = 0; i < n; ++i) {
    std::string name = *ct::identifier();
    if (!used.insert(name).second) continue;
    where.emplace_back(std::move(name), *ct::xml_safe_string());
  }
  auto q = parse_wql(write_select("Msvm_ComputerSystem", where));
  RC_ASSERT(q.ok());
  const auto* s = std::get_if<SelectQuery>(&*q);
  RC_ASSERT(s != nullptr);
  RC_ASSERT(s->class_name == "Msvm_ComputerSystem");
  RC_ASSERT(s->properties.empty());
  RC_ASSERT((s->where == nullptr) == where.empty());
  Instance inst("Msvm_ComputerSystem");
  for (const auto& [k, v] : where)
    inst.set(k, Value::string(v));
  auto yes = matches(inst, *s);
  RC_ASSERT(yes.ok());
  RC_ASSERT(*yes);
  if (!where.empty()) {
    const auto& [k, v] = where[*rc::gen::inRange<std::size_t>(0, where.size())];
    inst.set(k, Value::string(v + "x"));
    auto no = matches(inst, *s);
    RC_ASSERT(no.ok());
    RC_ASSERT(!*no);
  }
}

// ---- Golden envelopes: the shapes real clients send ----

std::string envelope(const std::string& name) {
  return wsman::testing::envelope_file(name);
}

Request must_parse(const std::string& name) {
  auto r = parse_request(envelope(name));
  if (auto* f = std::get_if<Fault>(&r)) {
    ADD_FAILURE() << name << ": " << f->to_string();
    return {};
  }
  return std::get<Request>(r);
}

TEST(WsmanGolden, DefaultNamespaceGetAsPowerShellSendsIt) {
  const Request r = must_parse("get-default-ns.xml");
  EXPECT_EQ(r.op, Operation::kGet);
  EXPECT_EQ(r.target.class_name(), "Msvm_VirtualSystemCollection");
  EXPECT_EQ(r.target.name_space(), kNs);
  ASSERT_EQ(r.target.keys().size(), 1U);
  EXPECT_EQ(r.target.keys()[0].value, "5C6B4E12-0A2B-4B1F-9C3D-2E7F1A0B9C11");
}

TEST(WsmanGolden, EnvPrefixedEnumerateWithWqlAsPywinrmSendsIt) {
  const Request r = must_parse("enumerate-env-prefix.xml");
  EXPECT_EQ(r.op, Operation::kEnumerate);
  EXPECT_EQ(r.filter_dialect, uri::kWqlDialect);
  EXPECT_EQ(r.mode, EnumerationMode::kEpr);
  EXPECT_TRUE(r.optimize);
  EXPECT_EQ(r.max_elements, 20U);
  auto q = parse_wql(r.filter);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  const auto* a = std::get_if<AssociatorsQuery>(&*q);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->filter.result_class, "Msvm_ComputerSystem");
}

TEST(WsmanGolden, SPrefixedInvokeWithACdataEmbeddedInstanceAsLibvirtSendsIt) {
  const Request r = must_parse("invoke-s-prefix-cdata.xml");
  EXPECT_EQ(r.op, Operation::kInvoke);
  EXPECT_EQ(r.method, "CreateSnapshot");
  EXPECT_EQ(r.target.class_name(), "Msvm_CollectionSnapshotService");
  const Value* coll = cim::find(r.in, "Collection");
  ASSERT_NE(coll, nullptr);
  ASSERT_NE(coll->as_reference(), nullptr);
  EXPECT_EQ(coll->as_reference()->class_name(), "Msvm_VirtualSystemCollection");
  EXPECT_EQ(*cim::find(r.in, "SnapshotType"), Value::uint16(2));
  const Value* settings = cim::find(r.in, "SnapshotSettings");
  ASSERT_NE(settings, nullptr);
  ASSERT_TRUE(settings->as_string().has_value());
  auto inst = cim::parse_embedded_instance(*settings->as_string());
  ASSERT_TRUE(inst.ok()) << inst.status().to_string();
  EXPECT_EQ(*inst->get("ConsistencyLevel"), Value::uint8(1));
}

TEST(WsmanGolden, AFaultFromAWindowsHostReadsBack) {
  auto r = parse_response(envelope("fault-from-windows.xml"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_TRUE(r->fault.has_value());
  EXPECT_EQ(r->fault->subcode, "DestinationUnreachable");
  EXPECT_EQ(r->fault->wsman_code, 2150858752U);
}

TEST(WsmanGolden, PrefixesDoNotMatterOnlyNamespaces) {
  // The same Get with a made-up prefix for every namespace parses to the same request.
  const Request a = must_parse("get-default-ns.xml");
  auto b = parse_request(envelope("get-odd-prefixes.xml"));
  ASSERT_TRUE(std::holds_alternative<Request>(b));
  EXPECT_EQ(std::get<Request>(b).target, a.target);
  EXPECT_EQ(std::get<Request>(b).action, a.action);
  // And a SOAP element in the wrong namespace is not an envelope at all.
  auto c = parse_request(envelope("wrong-namespace.xml"));
  ASSERT_TRUE(std::holds_alternative<Fault>(c));
  EXPECT_EQ(std::get<Fault>(c).code, Fault::Code::kVersionMismatch);
}

}  // namespace
}  // namespace hvsnap::wsman
