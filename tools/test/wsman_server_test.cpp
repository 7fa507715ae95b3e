// wsman::Server serving the fake (hvsnap serve's stack): hostile and malformed requests each get
// the right fault or HTTP status and the server keeps serving; Basic authentication; several
// clients at once; the libcurl client reads the served fake back (contract §8).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "hvsnap/cim/names.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/targets.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/messages.h"
#include "hvsnap/wsman/server.h"
#include "hvsnap/wsman/uris.h"

namespace hvsnap::tools {
namespace {

constexpr const char* kWmi =
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/";

struct Served {
  std::shared_ptr<ServedFake> fake;
  std::unique_ptr<wsman::Server> server;
};

Served serve(std::optional<wsman::Credentials> basic = std::nullopt) {
  Served s;
  auto fake = ServedFake::create("sim:", TargetOptions{});
  EXPECT_TRUE(fake.ok()) << fake.status().to_string();
  s.fake = std::move(fake).value();
  wsman::ServerOptions o;
  o.port = 0;
  o.basic = std::move(basic);
  o.threads = 4;
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(s.fake, s.fake), o);
  EXPECT_TRUE(server.ok()) << server.status().to_string();
  s.server = std::move(server).value();
  return s;
}

// An envelope around `header_extra` and `body`, with the usual prefixes.
std::string envelope(std::string_view action, std::string_view resource, std::string_view extra,
                     std::string_view body) {
  std::string out = R"(<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" )"
                    R"(xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" )"
                    R"(xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" )"
                    R"(xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration"><s:Header>)";
  if (!action.empty()) out += "<a:Action>" + std::string(action) + "</a:Action>";
  if (!resource.empty()) out += "<w:ResourceURI>" + std::string(resource) + "</w:ResourceURI>";
  out +=
      "<a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
      "</a:Address></a:ReplyTo>";
  out += "<a:MessageID>uuid:5E6FD101-710A-4EEA-A50D-70C0BF863AA3</a:MessageID>";
  out += extra;
  out += "</s:Header><s:Body>";
  out += body;
  out += "</s:Body></s:Envelope>";
  return out;
}

const std::string kGet = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get";
const std::string kEnum = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate";
const std::string kPull = "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull";

std::string selectors(std::string_view name, std::string_view value) {
  return "<w:SelectorSet><w:Selector Name=\"" + std::string(name) + "\">" + std::string(value) +
         "</w:Selector></w:SelectorSet>";
}

struct Hostile {
  std::string name;
  std::string body;
  int status;           // the HTTP status expected
  std::string subcode;  // the fault's subcode ("" when no SOAP fault is expected)
  std::string content_type = "application/soap+xml;charset=UTF-8";
  std::string path = "/wsman";
  std::string method = "POST";
};

void PrintTo(const Hostile& h, std::ostream* os) {
  *os << h.name;
}

std::string nested(int depth) {
  std::string open, close;
  for (int i = 0; i < depth; ++i) {
    open += "<x>";
    close += "</x>";
  }
  return envelope(kGet, std::string(kWmi) + "Msvm_ComputerSystem", selectors("Name", "A"),
                  open + close);
}

const std::string kSnapshotService = std::string(kWmi) + "Msvm_CollectionSnapshotService";

std::vector<Hostile> hostile_requests() {
  const std::string cs = std::string(kWmi) + "Msvm_ComputerSystem";
  return {
      {"NotXml", "this is not XML at all", 500, "SchemaValidationError"},
      {"EmptyBody", "", 500, "SchemaValidationError"},
      {"TruncatedXml", envelope(kGet, cs, "", "").substr(0, 120), 500, "SchemaValidationError"},
      {"Soap11Namespace",
       R"(<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/><s:Body/></s:Envelope>)",
       500, "VersionMismatch"},
      {"NotAnEnvelope", R"(<Envelope xmlns="urn:other"/>)", 500, "VersionMismatch"},
      {"MissingAction", envelope("", cs, selectors("Name", "A"), ""), 500,
       "MessageInformationHeaderRequired"},
      {"UnknownAction", envelope("http://example.com/Frobnicate", cs, "", ""), 500,
       "ActionNotSupported"},
      {"GetWithoutResourceUri", envelope(kGet, "", "", ""), 500,
       "MessageInformationHeaderRequired"},
      // A resource URI under no prefix WinRM serves is w:InvalidResourceURI (0x8033803B); a
      // class the provider does not have is WMI's error, an unreachable destination.
      {"ResourceUriOutsideWmi", envelope(kGet, "http://example.com/Thing", selectors("A", "1"), ""),
       500, "InvalidResourceURI"},
      {"UnknownClass",
       envelope(kGet, std::string(kWmi) + "Msvm_NoSuchClass", selectors("Name", "A"), ""), 500,
       "DestinationUnreachable"},
      {"GetWithoutSelectors", envelope(kGet, cs, "", ""), 500, "InvalidSelectors"},
      {"SelectorWithoutName",
       envelope(kGet, cs, "<w:SelectorSet><w:Selector>x</w:Selector></w:SelectorSet>", ""), 500,
       "InvalidSelectors"},
      {"NoSuchInstance",
       envelope(kGet, cs,
                "<w:SelectorSet><w:Selector Name=\"CreationClassName\">Msvm_ComputerSystem"
                "</w:Selector><w:Selector Name=\"Name\">NO-SUCH-VM</w:Selector></w:SelectorSet>",
                ""),
       500, "DestinationUnreachable"},
      // DSP0226: a Get with only some of the keys is InvalidSelectors (InsufficientSelectors).
      {"SomeKeysOnly", envelope(kGet, cs, selectors("Name", "NO-SUCH-VM"), ""), 500,
       "InvalidSelectors"},
      // MS-WSMV 3.1.4.1.20: an oversized request is HTTP 413 (with the EncodingLimit fault),
      // refused unread by the transport.
      {"OversizedBody", envelope(kGet, cs, selectors("Name", std::string(600 * 1024, 'A')), ""),
       413, "EncodingLimit"},
      {"DeepNesting", nested(200), 500, "EncodingLimit"},
      {"EntityExpansion",
       R"(<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>)" +
           envelope(kGet, cs, selectors("Name", "&lol2;"), ""),
       500, "SchemaValidationError"},
      {"ExternalEntity",
       R"(<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>)" +
           envelope(kGet, cs, selectors("Name", "&xxe;"), ""),
       500, "SchemaValidationError"},
      {"WrongValueType",
       envelope(kSnapshotService + "/CreateSnapshot", kSnapshotService,
                selectors("Name", "vmms-collections"),
                "<p:CreateSnapshot_INPUT xmlns:p=\"" + kSnapshotService +
                    "\"><p:SnapshotType>two</p:SnapshotType></p:CreateSnapshot_INPUT>"),
       500, "SchemaValidationError"},
      {"UnknownFilterDialect",
       envelope(kEnum, std::string(kWmi) + "*", "",
                "<n:Enumerate><w:Filter Dialect=\"urn:xpath\">//x</w:Filter></n:Enumerate>"),
       500, "FilterDialectRequestedUnavailable"},
      {"MalformedWql",
       envelope(kEnum, std::string(kWmi) + "*", "",
                "<n:Enumerate><w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/"
                "WQL\">SELECT FROM WHERE</w:Filter></n:Enumerate>"),
       500, "CannotProcessFilter"},
      {"UnknownEnumerationContext",
       envelope(kPull, std::string(kWmi) + "*", "",
                "<n:Pull><n:EnumerationContext>nope</n:EnumerationContext></n:Pull>"),
       500, "InvalidEnumerationContext"},
      {"WrongContentType", envelope(kGet, cs, selectors("Name", "A"), ""), 415, "", "text/plain"},
      {"WrongPath", envelope(kGet, cs, selectors("Name", "A"), ""), 404, "",
       "application/soap+xml;charset=UTF-8", "/elsewhere"},
      {"WrongMethod", "", 405, "", "application/soap+xml;charset=UTF-8", "/wsman", "PUT"},
  };
}

class HostileRequests : public ::testing::TestWithParam<Hostile> {
 protected:
  static void SetUpTestSuite() { served_ = new Served(serve()); }
  static void TearDownTestSuite() {
    served_->server->stop();
    delete served_;
    served_ = nullptr;
  }
  static Served* served_;
};
Served* HostileRequests::served_ = nullptr;

TEST_P(HostileRequests, GetTheRightAnswerAndTheServerKeepsServing) {
  const Hostile& h = GetParam();
  httplib::Client http("127.0.0.1", served_->server->port());
  httplib::Result res = h.method == "PUT" ? http.Put(h.path, h.body, h.content_type)
                                          : http.Post(h.path, h.body, h.content_type);
  ASSERT_TRUE(res) << "no HTTP answer: " << httplib::to_string(res.error());
  EXPECT_EQ(res->status, h.status) << res->body;
  if (!h.subcode.empty()) {
    auto parsed = wsman::parse_response(res->body);
    ASSERT_TRUE(parsed.ok()) << parsed.status().to_string() << "\n" << res->body;
    ASSERT_TRUE(parsed->fault.has_value()) << res->body;
    if (h.subcode == "VersionMismatch") {
      EXPECT_EQ(parsed->fault->code, wsman::Fault::Code::kVersionMismatch);
    } else {
      EXPECT_EQ(parsed->fault->subcode, h.subcode) << parsed->fault->to_string();
    }
    EXPECT_NE(parsed->fault->wsman_code, 0U) << "a WSManFault detail, as WinRM sends";
    EXPECT_FALSE(parsed->fault->reason.empty());
    EXPECT_EQ(res->body.find("/etc/passwd:"), std::string::npos);
    EXPECT_EQ(res->body.find("root:x:0:0"), std::string::npos) << "an external entity was read";
  }
  // And the server still answers a good request.
  wsman::ClientOptions co;
  co.endpoint = served_->server->endpoint();
  auto client = wsman::Client::create(co);
  ASSERT_TRUE(client.ok());
  auto id = (*client)->identify();
  ASSERT_TRUE(id.ok()) << id.status().to_string();
  auto vms = (*client)->enumerate_instances(cim::names::kNamespace, "Msvm_ComputerSystem");
  ASSERT_TRUE(vms.ok()) << vms.status().to_string();
  EXPECT_FALSE(vms->empty());
}

INSTANTIATE_TEST_SUITE_P(Wsman, HostileRequests, ::testing::ValuesIn(hostile_requests()),
                         [](const auto& p) { return p.param.name; });

TEST(WsmanServer, BasicAuthenticationRefusesWrongAndMissingCredentials) {
  Served s = serve(wsman::Credentials{"alice", "s3cret"});
  const std::string body =
      envelope(kGet, std::string(kWmi) + "Msvm_ComputerSystem", selectors("Name", "A"), "");
  httplib::Client none("127.0.0.1", s.server->port());
  auto r1 = none.Post("/wsman", body, "application/soap+xml;charset=UTF-8");
  ASSERT_TRUE(r1);
  EXPECT_EQ(r1->status, 401);
  EXPECT_NE(r1->get_header_value("WWW-Authenticate").find("Basic"), std::string::npos);
  httplib::Client wrong("127.0.0.1", s.server->port());
  wrong.set_basic_auth("alice", "guess");
  auto r2 = wrong.Post("/wsman", body, "application/soap+xml;charset=UTF-8");
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->status, 401);
  // The libcurl client: wrong password is AccessDenied, the right one works.
  wsman::ClientOptions co;
  co.endpoint = s.server->endpoint();
  co.user = "alice";
  co.password = "guess";
  auto bad = wsman::Client::create(co);
  ASSERT_TRUE(bad.ok());
  auto denied = (*bad)->identify();
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().kind(), cim::StatusKind::kAccessDenied);
  co.password = "s3cret";
  auto good = wsman::Client::create(co);
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE((*good)->identify().ok());
}

TEST(WsmanServer, ServesSeveralClientsAtOnce) {
  Served s = serve();
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      wsman::ClientOptions co;
      co.endpoint = s.server->endpoint();
      auto c = wsman::Client::create(co);
      if (!c.ok()) {
        ++failed;
        return;
      }
      for (int i = 0; i < 25; ++i) {
        auto vms = (*c)->enumerate_instances(cim::names::kNamespace, "Msvm_ComputerSystem");
        (vms.ok() && !vms->empty() ? ok : failed)++;
      }
    });
  }
  for (auto& t : threads)
    t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(ok.load(), 200);
}

// EnumerationMode EnumerateEPR (decision 0134): the client's names-only enumeration gives the
// endpoint references of the instances a full enumeration gives, in its order, several items a
// message and across Pulls (a batch of 2); an unknown class is the same error either way.
TEST(WsmanServer, EnumeratingNamesGivesTheEndpointReferencesOfTheInstances) {
  Served s = serve();
  wsman::ClientOptions co;
  co.endpoint = s.server->endpoint();
  co.max_elements = 2;
  auto c = wsman::Client::create(co);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  for (const char* cls : {"Msvm_ComputerSystem", "Msvm_VirtualSystemSettingData",
                          "Msvm_SnapshotCollection", "CIM_ManagedElement"}) {
    const std::uint64_t before = (*c)->requests_sent();
    auto names = (*c)->enumerate_instance_names(cim::names::kNamespace, cls);
    const std::uint64_t sent = (*c)->requests_sent() - before;
    auto all = (*c)->enumerate_instances(cim::names::kNamespace, cls);
    ASSERT_TRUE(names.ok()) << cls << ": " << names.status().to_string();
    ASSERT_TRUE(all.ok()) << cls << ": " << all.status().to_string();
    ASSERT_EQ(names->size(), all->size()) << cls;
    for (std::size_t i = 0; i < all->size(); ++i)
      EXPECT_EQ((*names)[i].to_string(), (*all)[i].path().to_string()) << cls << " #" << i;
    EXPECT_EQ(sent, std::max<std::uint64_t>(1, (names->size() + 1) / 2)) << cls << ": requests";
  }
  EXPECT_EQ((*c)->enumerate_instance_names(cim::names::kNamespace, "Msvm_Nope").status().kind(),
            (*c)->enumerate_instances(cim::names::kNamespace, "Msvm_Nope").status().kind());
}

// A WQL SELECT whose WHERE is string equalities (decision 0137) answers over the fake as the
// class's listing tested instance by instance does: a set naming a property that is not a key,
// or only some keys, still finds what matches, and a property the class lacks still faults.
TEST(WsmanServer, AQueryOfPropertyValuesAnswersAsTheListingDoes) {
  Served s = serve();
  wsman::ClientOptions co;
  co.endpoint = s.server->endpoint();
  auto c = wsman::Client::create(co);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  // One optimized Enumerate that holds the whole answer (the client's own query is private).
  const auto query = [&](std::string_view ns,
                         const std::string& wql) -> cim::Result<std::vector<cim::Instance>> {
    wsman::Request r;
    r.op = wsman::Operation::kEnumerate;
    r.action = std::string(wsman::uri::kActionEnumerate);
    r.resource_uri = wsman::uri::resource_uri(ns, "*");
    r.filter = wql;
    r.filter_dialect = std::string(wsman::uri::kWqlDialect);
    r.optimize = true;
    r.max_elements = 1000;
    auto resp = (*c)->send(r);
    if (!resp.ok()) return resp.status();
    if (resp->fault) return cim::invalid_parameter(resp->fault->to_string());
    if (!resp->end_of_sequence)
      return cim::invalid_parameter("the answer took more than one message");
    std::vector<cim::Instance> out;
    for (auto& it : resp->items) {
      if (it.instance) out.push_back(std::move(*it.instance));
    }
    return out;
  };
  const auto text = [](const cim::Instance& i, std::string_view name) {
    const cim::Value* v = i.get(name);
    return v == nullptr || v->is_null() ? std::string() : v->to_text();
  };
  // What names an instance here (an answer's instances carry no path in this mode).
  const auto paths = [&](const std::vector<cim::Instance>& all) {
    std::vector<std::string> out;
    for (const auto& i : all)
      out.push_back(fmt::format("{}.{}|{}|{}", i.class_name(), text(i, "CreationClassName"),
                                text(i, "Name"), text(i, "SystemName")));
    return out;
  };

  struct Query {
    std::string ns, cls, property;
  };
  for (const Query& q : std::vector<Query>{
           {std::string(cim::names::kNamespace), "Msvm_VirtualSystemManagementService",
            "ElementName"},
           {std::string(cim::names::kNamespace), "Msvm_VirtualSystemManagementService",
            "SystemName"},
           {std::string(cim::names::kNamespace), "Msvm_ComputerSystem", "Name"},
           {std::string(cim::names::kNamespace), "Msvm_ComputerSystem", "CreationClassName"},
           {std::string(cim::names::kNamespace), "Msvm_ComputerSystem", "ElementName"},
           {"root\\cimv2", "Win32_ComputerSystem", "Domain"},
           {"root\\cimv2", "Win32_ComputerSystem", "Name"}}) {
    auto all = (*c)->enumerate_instances(q.ns, q.cls);
    ASSERT_TRUE(all.ok()) << q.cls << ": " << all.status().to_string();
    ASSERT_FALSE(all->empty()) << q.cls;
    std::string value = text(all->back(), q.property);
    for (char& ch : value)  // WQL compares strings case-insensitively
      ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::vector<cim::Instance> want;
    for (const auto& i : *all) {
      if (cim::iequals(text(i, q.property), value)) want.push_back(i);
    }
    const std::string where =
        fmt::format("SELECT * FROM {} WHERE {} = '{}'", q.cls, q.property, value);
    auto got = query(q.ns, where);
    ASSERT_TRUE(got.ok()) << where << ": " << got.status().to_string();
    EXPECT_EQ(paths(*got), paths(want)) << where;
  }
  for (const std::string bad :
       {"SELECT * FROM Msvm_VirtualSystemManagementService WHERE Foo = 'x'",
        "SELECT * FROM Msvm_ComputerSystem WHERE Name = '00000000-0000-0000-0000-000000000001'"
        " AND Foo = 'x'",
        "SELECT * FROM Msvm_ComputerSystem WHERE (CreationClassName = 'Msvm_ComputerSystem' AND"
        " Name = '00000000-0000-0000-0000-000000000001') OR Foo = 'x'"}) {
    auto got = query(cim::names::kNamespace, bad);
    EXPECT_FALSE(got.ok()) << bad << ": answered " << (got.ok() ? got->size() : 0U);
  }
}

TEST(WsmanServer, StopsCleanlyWithRequestsInFlightAndRefusesAfterwards) {
  Served s = serve();
  const std::string endpoint = s.server->endpoint();
  std::atomic<bool> go{true};
  std::thread load([&] {
    wsman::ClientOptions co;
    co.endpoint = endpoint;
    co.timeout_ms = 5000;
    auto c = wsman::Client::create(co);
    while (go && c.ok()) {
      if (!(*c)->identify().ok()) break;
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  s.server->stop();
  go = false;
  load.join();
  wsman::ClientOptions co;
  co.endpoint = endpoint;
  co.connect_timeout_ms = 2000;
  co.timeout_ms = 5000;  // a connection taken after stop() fails here, not at ctest's timeout
  auto c = wsman::Client::create(co);
  ASSERT_TRUE(c.ok());
  auto after = (*c)->identify();
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().kind(), cim::StatusKind::kNotSent) << after.status().to_string();
}

// Once stop() returns the listening socket is closed: a connection is refused at once, never
// taken into the kernel's backlog to wait out the client's whole timeout (the acceptor's close
// used to be posted to an I/O thread that stop() could halt before it ran).
TEST(WsmanServer, RefusesConnectionsOnceStopHasReturned) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok()) << fake.status().to_string();
  const auto dispatcher = std::make_shared<wsman::Dispatcher>(*fake, *fake);
  for (int round = 0; round < 40; ++round) {
    // No worker threads and no connections: nothing delays stop() between posting the
    // acceptor's close and halting the I/O threads, the widest window for that race.
    wsman::ServerOptions o;
    o.port = 0;
    o.threads = 0;
    auto server = wsman::Server::start(dispatcher, o);
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    const std::string endpoint = (*server)->endpoint();
    const int port = std::stoi(endpoint.substr(endpoint.rfind(':') + 1));
    (*server)->stop();
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(static_cast<std::uint16_t>(port));
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    const int connected = ::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
    const int error = errno;
    ::close(fd);
    ASSERT_NE(connected, 0) << "round " << round << ": a connection was taken after stop()";
    EXPECT_EQ(error, ECONNREFUSED) << "round " << round;
  }
}

// One HTTP/1.0 POST to 127.0.0.1:port from the loopback address `source` (127.0.0.2 is a
// different peer to the server), returning the body of the answer.
std::string post_from(const char* source, int port, const std::string& body) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source, &from.sin_addr);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0) << source;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to), 0);
  const std::string req =
      "POST /wsman HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/soap+xml;charset=UTF-8\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  EXPECT_EQ(::send(fd, req.data(), req.size(), 0), static_cast<ssize_t>(req.size()));
  std::string answer;
  char buf[4096];
  ssize_t n = 0;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0)
    answer.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  const std::size_t at = answer.find("\r\n\r\n");
  return at == std::string::npos ? answer : answer.substr(at + 4);
}

TEST(WsmanServer, AnEnumerationBelongsToThePeerThatOpenedIt) {
  // Without authentication the transport names the client by its address (decision 0020): a
  // context opened from 127.0.0.1 is unknown to 127.0.0.2, and still the owner's.
  Served s = serve();
  const std::string wildcard = std::string(kWmi) + "*";
  auto opened = wsman::parse_response(post_from(
      "127.0.0.1", s.server->port(),
      envelope(kEnum, wildcard, "",
               "<n:Enumerate><w:Filter Dialect=\"http://schemas.microsoft.com/wbem/wsman/1/WQL\">"
               "SELECT * FROM Msvm_ComputerSystem</w:Filter></n:Enumerate>")));
  ASSERT_TRUE(opened.ok());
  ASSERT_FALSE(opened->fault) << opened->fault->to_string();
  const std::string pull = envelope(
      kPull, wildcard, "",
      "<n:Pull><n:EnumerationContext>" + opened->context + "</n:EnumerationContext></n:Pull>");
  auto stolen = wsman::parse_response(post_from("127.0.0.2", s.server->port(), pull));
  ASSERT_TRUE(stolen.ok());
  ASSERT_TRUE(stolen->fault.has_value());
  EXPECT_EQ(stolen->fault->subcode, "InvalidEnumerationContext");
  auto mine = wsman::parse_response(post_from("127.0.0.1", s.server->port(), pull));
  ASSERT_TRUE(mine.ok());
  EXPECT_FALSE(mine->fault) << mine->fault->to_string();
  EXPECT_EQ(mine->items.size(), 1U);
}

TEST(WsmanServer, RefusesANonLoopbackAddressWithoutTlsAndAuthentication) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  wsman::ServerOptions o;
  o.host = "0.0.0.0";
  o.port = 0;
  o.basic = wsman::Credentials{"a", "b"};  // authentication alone is not enough
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(*fake, *fake), o);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("TLS"), std::string::npos);
}

}  // namespace
}  // namespace hvsnap::tools

namespace hvsnap::tools {
namespace {

TEST(WsmanServer, ServesHttpsAndTheClientVerifiesTheCertificate) {
  // A throwaway self-signed certificate for 127.0.0.1 (openssl is part of Debian's base).
  const std::string dir = ::testing::TempDir() + "hvsnap-tls-" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  const std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  const std::string cmd =
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1 -keyout " +
      key + " -out " + cert + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  wsman::ServerOptions o;
  o.port = 0;
  o.tls_cert_file = cert;
  o.tls_key_file = key;
  auto server = wsman::Server::start(std::make_shared<wsman::Dispatcher>(*fake, *fake), o);
  ASSERT_TRUE(server.ok()) << server.status().to_string();
  const std::string endpoint = (*server)->endpoint();
  ASSERT_EQ(endpoint.rfind("https://", 0), 0U) << endpoint;

  wsman::ClientOptions co;
  co.endpoint = endpoint;
  // Verification is on by default: an unknown issuer is refused.
  auto strict = wsman::Client::create(co);
  ASSERT_TRUE(strict.ok());
  auto refused = (*strict)->identify();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), cim::StatusKind::kUnavailable) << refused.status().to_string();
  // Trusting the certificate works; so does --insecure, which the CLI announces.
  co.ca_file = cert;
  auto trusted = wsman::Client::create(co);
  ASSERT_TRUE(trusted.ok());
  EXPECT_TRUE((*trusted)->identify().ok());
  co.ca_file.clear();
  co.insecure = true;
  auto insecure = wsman::Client::create(co);
  ASSERT_TRUE(insecure.ok());
  EXPECT_TRUE((*insecure)->identify().ok());
  TargetOptions topts;
  topts.insecure = true;
  auto spec = make_target("wsman+" + endpoint, topts);
  ASSERT_TRUE(spec.ok()) << spec.status().to_string();
  ASSERT_EQ(spec->warnings.size(), 1U);
  EXPECT_NE(spec->warnings[0].find("NOT verified"), std::string::npos);
  (*server)->stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hvsnap::tools
