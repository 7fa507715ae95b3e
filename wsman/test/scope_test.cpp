// Prefixes resolved through an ancestor's remembered scope (decision 0124): a header, a
// selector, an enumeration item or a datetime that declares its own prefix, or sits below an
// element that does — the same letters bound to another namespace, or a default namespace — is
// read by the namespace declared nearest, as when every element's prefix was resolved by
// walking up its ancestors (contract §8).
#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {
namespace {

constexpr const char* kOpen =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">";
constexpr const char* kResource =
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ComputerSystem";

std::string get_request(const std::string& message_id, const std::string& selectors) {
  return std::string(kOpen) + "<s:Header><a:To>http://h:5985/wsman</a:To><w:ResourceURI>" +
         kResource +
         "</w:ResourceURI><a:ReplyTo><a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/"
         "role/anonymous</a:Address></a:ReplyTo><a:Action>http://schemas.xmlsoap.org/ws/2004/09/"
         "transfer/Get</a:Action>" +
         message_id + "<w:SelectorSet>" + selectors +
         "</w:SelectorSet></s:Header><s:Body/></s:Envelope>";
}

constexpr const char* kId = "uuid:5E6FD101-710A-4EEA-A50D-70C0BF863AA3";

TEST(WsmanScope, AHeaderIsReadByTheNamespaceItDeclaresItself) {
  // The same element, its prefix rebound on itself to the addressing namespace: read.
  auto ok = parse_request(get_request(std::string("<w:MessageID xmlns:w=\"http://schemas.xmlsoap."
                                                  "org/ws/2004/08/addressing\">") +
                                          kId + "</w:MessageID>",
                                      "<w:Selector Name=\"Name\">vm-1</w:Selector>"));
  ASSERT_TRUE(std::holds_alternative<Request>(ok));
  EXPECT_EQ(std::get<Request>(ok).message_id, kId);
  // Rebound to another namespace: no wsa:MessageID at all.
  auto other = parse_request(
      get_request(std::string("<a:MessageID xmlns:a=\"urn:other\">") + kId + "</a:MessageID>",
                  "<w:Selector Name=\"Name\">vm-1</w:Selector>"));
  ASSERT_TRUE(std::holds_alternative<Fault>(other));
  EXPECT_NE(std::get<Fault>(other).reason.find("no wsa:MessageID"), std::string::npos)
      << std::get<Fault>(other).reason;
  // A default namespace declared on the header itself.
  auto dflt = parse_request(get_request(
      std::string("<MessageID xmlns=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\">") + kId +
          "</MessageID>",
      "<w:Selector Name=\"Name\">vm-1</w:Selector>"));
  ASSERT_TRUE(std::holds_alternative<Request>(dflt));
  EXPECT_EQ(std::get<Request>(dflt).message_id, kId);
}

TEST(WsmanScope, ASelectorIsReadByTheNamespaceItDeclaresItself) {
  const std::string id = std::string("<a:MessageID>") + kId + "</a:MessageID>";
  auto ok = parse_request(get_request(
      id,
      "<w:Selector Name=\"Name\">vm-1</w:Selector><x:Selector Name=\"CreationClassName\" "
      "xmlns:x=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">Msvm_ComputerSystem"
      "</x:Selector>"));
  ASSERT_TRUE(std::holds_alternative<Request>(ok));
  EXPECT_EQ(std::get<Request>(ok).target.keys().size(), 2U);
  // The second selector's w: rebound elsewhere: not a selector, refused as before.
  auto other =
      parse_request(get_request(id,
                                "<w:Selector Name=\"Name\">vm-1</w:Selector><w:Selector Name=\"X\" "
                                "xmlns:w=\"urn:other\">y</w:Selector>"));
  ASSERT_TRUE(std::holds_alternative<Fault>(other));
  EXPECT_NE(std::get<Fault>(other).reason.find("unexpected <w:Selector>"), std::string::npos)
      << std::get<Fault>(other).reason;
}

TEST(WsmanScope, AnItemIsReadByTheNamespaceItDeclaresItself) {
  auto response = [](const std::string& items) {
    return std::string(kOpen) +
           "<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/enumeration/"
           "EnumerateResponse</a:Action><a:MessageID>uuid:5E6FD101-710A-4EEA-A50D-70C0BF863AA4"
           "</a:MessageID></s:Header><s:Body><n:EnumerateResponse "
           "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\"><w:Items>" +
           items + "</w:Items><w:EndOfSequence/></n:EnumerateResponse></s:Body></s:Envelope>";
  };
  const std::string epr_body =
      "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
      "<a:ReferenceParameters><w:ResourceURI>" +
      std::string(kResource) +
      "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"Name\">vm-1</w:Selector>"
      "</w:SelectorSet></a:ReferenceParameters>";
  // Two EPRs: the first in a:, the second with a: rebound on itself to the same namespace.
  auto two = parse_response(
      response("<a:EndpointReference>" + epr_body +
               "</a:EndpointReference><a:EndpointReference xmlns:a=\"http://schemas.xmlsoap.org/"
               "ws/2004/08/addressing\">" +
               epr_body + "</a:EndpointReference>"));
  ASSERT_TRUE(two.ok()) << two.status().message();
  ASSERT_EQ(two->items.size(), 2U);
  EXPECT_TRUE(two->items[0].epr.has_value());
  EXPECT_TRUE(two->items[1].epr.has_value());
  // The second rebound to another namespace: an instance of a class named EndpointReference,
  // not an EPR.
  auto other = parse_response(response("<a:EndpointReference>" + epr_body +
                                       "</a:EndpointReference><a:EndpointReference "
                                       "xmlns:a=\"urn:other\"><a:Name>x</a:Name>"
                                       "</a:EndpointReference>"));
  ASSERT_TRUE(other.ok()) << other.status().message();
  ASSERT_EQ(other->items.size(), 2U);
  EXPECT_TRUE(other->items[0].epr.has_value());
  EXPECT_FALSE(other->items[1].epr.has_value());
  EXPECT_TRUE(other->items[1].instance.has_value());
}

TEST(WsmanScope, ADatetimeIsReadByTheNamespaceDeclaredBetweenItAndItsInstance) {
  // The instance's cim: is DSP0230's; StartTime's element rebinds it elsewhere, ElapsedTime's
  // datetime element rebinds it back. Read three times: first in general, then through the
  // class's layout (decision 0121), each the same.
  const std::string response =
      std::string(kOpen) +
      R"(<s:Header><a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse)"
      R"(</a:Action></s:Header><s:Body><p:Msvm_ConcreteJob xmlns:p="http://schemas.microsoft.com/)"
      R"(wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ConcreteJob" )"
      R"(xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common"><p:InstanceID>j1</p:InstanceID>)"
      R"(<p:TimeSubmitted><cim:Datetime>2024-01-02T03:04:05Z</cim:Datetime></p:TimeSubmitted>)"
      R"(<p:StartTime xmlns:cim="urn:other"><cim:Datetime>2024-01-02T03:04:05Z</cim:Datetime>)"
      R"(</p:StartTime><p:ElapsedTime xmlns:cim="urn:other"><cim:Interval )"
      R"(xmlns:cim="http://schemas.dmtf.org/wbem/wscim/1/common">PT5S</cim:Interval>)"
      R"(</p:ElapsedTime></p:Msvm_ConcreteJob></s:Body></s:Envelope>)";
  for (int round = 0; round < 3; ++round) {
    auto r = parse_response(response);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->items.size(), 1U);
    const cim::Instance& job = *r->items[0].instance;
    ASSERT_NE(job.get("TimeSubmitted"), nullptr);
    EXPECT_EQ(job.get("TimeSubmitted")->type(), cim::CimType::kDateTime);
    ASSERT_NE(job.get("ElapsedTime"), nullptr);
    EXPECT_EQ(job.get("ElapsedTime")->type(), cim::CimType::kDateTime);
    ASSERT_EQ(r->wire_problems.size(), 1U) << "round " << round;
    EXPECT_EQ(r->wire_problems[0].where, "Msvm_ConcreteJob.StartTime");
    EXPECT_NE(r->wire_problems[0].what.find("is not a cim:cimDateTime element"), std::string::npos)
        << r->wire_problems[0].what;
  }
}

}  // namespace
}  // namespace hvsnap::wsman
