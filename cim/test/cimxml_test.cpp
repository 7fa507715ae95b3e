// CIM-XML embedded instances: both DTD forms WMI GetText produces, precise errors for
// malformed text, and a round-trip property over random instances (contract §1, AMB-3).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "hvsnap/cim/cimxml.h"
#include "hvsnap/cim/testing/generators.h"
#include "hvsnap/cim/testing/status_matchers.h"

namespace hvsnap::cim {
namespace {

using ::hvsnap::cim::testing::IsOk;
using ::testing::Not;

constexpr const char* kCimForm =
    R"(<INSTANCE CLASSNAME="Msvm_VirtualSystemSnapshotSettingData">)"
    R"(<PROPERTY NAME="ConsistencyLevel" TYPE="uint8"><VALUE>1</VALUE></PROPERTY>)"
    R"(<PROPERTY NAME="IgnoreNonSnapshottableDisks" TYPE="boolean"><VALUE>TRUE</VALUE></PROPERTY>)"
    R"(<PROPERTY NAME="GuestBackupType" TYPE="uint8"><VALUE>2</VALUE></PROPERTY>)"
    R"(<PROPERTY NAME="ElementName" TYPE="string"></PROPERTY>)"
    R"(</INSTANCE>)";

// The shape of WMI's WMI-DTD-2.0 output: system properties, CLASSORIGIN, CIMTYPE qualifiers.
constexpr const char* kWmiForm =
    R"(<INSTANCE CLASSNAME="Msvm_VirtualSystemSnapshotSettingData">)"
    R"(<PROPERTY NAME="__PATH" CLASSORIGIN="___SYSTEM" TYPE="string"></PROPERTY>)"
    R"(<PROPERTY NAME="__NAMESPACE" CLASSORIGIN="___SYSTEM" TYPE="string"><VALUE>root\virtualization\v2</VALUE></PROPERTY>)"
    R"(<PROPERTY.ARRAY NAME="__DERIVATION" CLASSORIGIN="___SYSTEM" TYPE="string"><VALUE.ARRAY>)"
    R"(<VALUE>CIM_SettingData</VALUE><VALUE>CIM_ManagedElement</VALUE></VALUE.ARRAY></PROPERTY.ARRAY>)"
    R"(<PROPERTY NAME="ConsistencyLevel" CLASSORIGIN="Msvm_VirtualSystemSnapshotSettingData" TYPE="uint8">)"
    R"(<QUALIFIER NAME="CIMTYPE" PROPAGATED="true" TYPE="string" TOSUBCLASS="false"><VALUE>uint8</VALUE></QUALIFIER>)"
    R"(<VALUE>2</VALUE></PROPERTY>)"
    R"(<PROPERTY NAME="IgnoreNonSnapshottableDisks" CLASSORIGIN="Msvm_VirtualSystemSnapshotSettingData" TYPE="boolean">)"
    R"(<VALUE>FALSE</VALUE></PROPERTY>)"
    R"(</INSTANCE>)";

TEST(CimXml, ParsesTheCimDtdForm) {
  auto inst = parse_embedded_instance(kCimForm);
  ASSERT_THAT(inst, IsOk());
  EXPECT_EQ(inst->class_name(), "Msvm_VirtualSystemSnapshotSettingData");
  EXPECT_EQ(*inst->get("ConsistencyLevel"), Value::uint8(1));
  EXPECT_EQ(*inst->get("IgnoreNonSnapshottableDisks"), Value::boolean(true));
  EXPECT_EQ(*inst->get("GuestBackupType"), Value::uint8(2));
  EXPECT_TRUE(inst->get("ElementName")->is_null());
}

TEST(CimXml, ParsesTheWmiDtdFormAndDropsSystemProperties) {
  auto inst = parse_embedded_instance(kWmiForm);
  ASSERT_THAT(inst, IsOk());
  EXPECT_EQ(inst->properties().size(), 2U);
  EXPECT_EQ(*inst->get("ConsistencyLevel"), Value::uint8(2));
  EXPECT_EQ(*inst->get("IgnoreNonSnapshottableDisks"), Value::boolean(false));
}

TEST(CimXml, AcceptsCdataDeclarationsAndComments) {
  auto inst = parse_embedded_instance(
      "<?xml version=\"1.0\"?><!-- from GetText --><INSTANCE CLASSNAME=\"X\">"
      "<PROPERTY NAME=\"S\" TYPE=\"string\"><VALUE><![CDATA[a<b]]></VALUE></PROPERTY></INSTANCE>");
  ASSERT_THAT(inst, IsOk());
  EXPECT_EQ(inst->get_string("S"), "a<b");
}

TEST(CimXml, AValueKeepsItsSpacesAndAnIndentedInstanceReadsAsACompactOne) {
  // XML 1.0, 2.10: a value's spaces beside CDATA or a comment are characters of the value; the
  // white space between elements of an indented instance is nothing (decision 0158).
  auto spaced = parse_embedded_instance(
      "<INSTANCE CLASSNAME=\"X\"><PROPERTY NAME=\"A\" TYPE=\"string\"><VALUE> <![CDATA[a]]>"
      "</VALUE></PROPERTY><PROPERTY NAME=\"B\" TYPE=\"string\"><VALUE>b<!-- c --> </VALUE>"
      "</PROPERTY></INSTANCE>");
  ASSERT_THAT(spaced, IsOk());
  EXPECT_EQ(spaced->get_string("A"), " a");
  EXPECT_EQ(spaced->get_string("B"), "b ");
  std::string indented;
  for (const char c : std::string_view(kWmiForm)) {
    indented += c;
    if (c == '>') indented += "\r\n\t ";
  }
  auto compact = parse_embedded_instance(kWmiForm);
  auto loose = parse_embedded_instance(indented);
  ASSERT_THAT(compact, IsOk());
  ASSERT_THAT(loose, IsOk());
  EXPECT_EQ(loose->properties().size(), compact->properties().size());
  EXPECT_EQ(*loose->get("ConsistencyLevel"), Value::uint8(2));
  EXPECT_EQ(*loose->get("IgnoreNonSnapshottableDisks"), Value::boolean(false));
  // Text that is not white space still has no place between elements.
  auto stray = parse_embedded_instance(
      "<INSTANCE CLASSNAME=\"X\"> x <PROPERTY NAME=\"A\" TYPE=\"string\"/></INSTANCE>");
  ASSERT_THAT(stray, Not(IsOk()));
  EXPECT_NE(stray.status().message().find("unexpected text inside <INSTANCE>"), std::string::npos);
}

TEST(CimXml, EmbeddedInstancesNestInBothForms) {
  Instance inner("Msvm_Error");
  inner.set("Message", Value::string("disk <full> & \"busy\""));
  Instance outer("Wrapper");
  outer.set("Error", Value::instance(inner));
  for (XmlDtd dtd : {XmlDtd::kCim20, XmlDtd::kWmi20}) {
    const std::string text = format_embedded_instance(outer, dtd);
    auto back = parse_embedded_instance(text);
    ASSERT_THAT(back, IsOk()) << back.status().to_string() << "\n" << text;
    EXPECT_EQ(*back, outer) << text;
  }
  EXPECT_NE(format_embedded_instance(outer, XmlDtd::kWmi20).find("PROPERTY.OBJECT"),
            std::string::npos);
  EXPECT_NE(format_embedded_instance(outer, XmlDtd::kCim20).find("EmbeddedObject=\"instance\""),
            std::string::npos);
}

TEST(CimXml, ReferencesUseInstancePaths) {
  Instance i("Msvm_Error");
  i.set(
      "Source",
      Value::reference(*ObjectPath::parse(
          R"(\\HV\root\virtualization\v2:Msvm_ComputerSystem.CreationClassName="Msvm_ComputerSystem",Name="A")")));
  i.set("Local", Value::reference(*ObjectPath::parse(R"(root\cimv2:C.k=5)")));
  i.set("Rel", Value::reference(*ObjectPath::parse(R"(C.k=TRUE)")));
  auto back = parse_embedded_instance(format_embedded_instance(i));
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(*back, i);
}

struct Malformed {
  const char* name;
  const char* text;
  const char* message;
};

class CimXmlMalformed : public ::testing::TestWithParam<Malformed> {};

TEST_P(CimXmlMalformed, NamesWhatAndWhere) {
  auto r = parse_embedded_instance(GetParam().text);
  ASSERT_THAT(r, Not(IsOk()));
  EXPECT_EQ(r.status().kind(), StatusKind::kInvalidParameter);
  EXPECT_EQ(r.status().message(), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CimXmlMalformed,
    ::testing::Values(
        Malformed{
            "empty", "",
            "embedded instance, line 1, column 1: not well-formed XML (No document element found)"},
        Malformed{
            "unclosed", "<INSTANCE CLASSNAME=\"X\">",
            "embedded instance, line 1, column 24: not well-formed XML (Start-end tags mismatch)"},
        Malformed{"not_xml", "not xml at all",
                  "embedded instance, line 1, column 15: not well-formed XML (No document element "
                  "found)"},
        Malformed{"wrong_root", "<CLASS NAME=\"X\"/>",
                  "embedded instance, line 1, column 2: expected <INSTANCE>, found <CLASS>"},
        Malformed{"no_classname", "<INSTANCE/>",
                  "embedded instance, line 1, column 2: <INSTANCE> has no CLASSNAME attribute"},
        Malformed{"bad_type",
                  "<INSTANCE CLASSNAME=\"X\">\n<PROPERTY NAME=\"P\" TYPE=\"uint99\"/></INSTANCE>",
                  "embedded instance, line 2, column 2: property \"P\" has TYPE \"uint99\", which "
                  "is not a CIM type"},
        Malformed{"out_of_range",
                  "<INSTANCE CLASSNAME=\"X\"><PROPERTY NAME=\"P\" "
                  "TYPE=\"uint8\"><VALUE>300</VALUE></PROPERTY></INSTANCE>",
                  "embedded instance, line 1, column 58: property \"P\": \"300\" is not a valid "
                  "uint8: greater than 255"},
        Malformed{"no_name", "<INSTANCE CLASSNAME=\"X\"><PROPERTY TYPE=\"uint8\"/></INSTANCE>",
                  "embedded instance, line 1, column 26: <PROPERTY> has no NAME attribute"},
        Malformed{"duplicate",
                  "<INSTANCE CLASSNAME=\"X\"><PROPERTY NAME=\"P\" TYPE=\"uint8\"/><PROPERTY "
                  "NAME=\"p\" TYPE=\"uint8\"/></INSTANCE>",
                  "embedded instance, line 1, column 59: property \"p\" appears twice"},
        Malformed{
            "unknown_element", "<INSTANCE CLASSNAME=\"X\"><BOGUS NAME=\"P\"/></INSTANCE>",
            "embedded instance, line 1, column 26: unexpected element <BOGUS> inside <INSTANCE>"},
        Malformed{"two_roots", "<INSTANCE CLASSNAME=\"X\"/><INSTANCE CLASSNAME=\"Y\"/>",
                  "embedded instance, line 1, column 27: more than one top-level element"},
        Malformed{
            "no_type",
            "<INSTANCE CLASSNAME=\"X\"><PROPERTY NAME=\"P\"><VALUE>1</VALUE></PROPERTY></INSTANCE>",
            "embedded instance, line 1, column 26: property \"P\" has no TYPE"}),
    [](const ::testing::TestParamInfo<Malformed>& p) { return std::string(p.param.name); });

TEST(CimXml, RefusesOversizedTextAndDeepNesting) {
  CimXmlLimits limits;
  limits.max_bytes = 16;
  EXPECT_EQ(
      parse_embedded_instance(kCimForm, limits).status().message().rfind("embedded instance: ", 0),
      0U);
  Instance inst("L0");
  for (int i = 1; i < 12; ++i) {
    std::string name = "L";  // not "L" + to_string(i): GCC 12 -Wrestrict false positive
    name += std::to_string(i);
    Instance outer(name);
    outer.set("Inner", Value::instance(inst));
    inst = outer;
  }
  auto r = parse_embedded_instance(format_embedded_instance(inst));
  ASSERT_THAT(r, Not(IsOk()));
  EXPECT_NE(r.status().message().find("nested deeper than 8 levels"), std::string::npos)
      << r.status().message();
}

TEST(CimXml, DoesNotExpandEntities) {
  const char* bomb =
      "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>"
      "<INSTANCE CLASSNAME=\"X\"><PROPERTY NAME=\"S\" "
      "TYPE=\"string\"><VALUE>&b;</VALUE></PROPERTY></INSTANCE>";
  auto r = parse_embedded_instance(bomb);
  ASSERT_THAT(r, IsOk());
  EXPECT_EQ(r->get_string("S"), "&b;");
}

RC_GTEST_PROP(CimXmlProperty, CimDtdRoundTrips, ()) {
  const Instance inst = *testing::instance();
  const std::string text = format_embedded_instance(inst, XmlDtd::kCim20);
  const auto back = parse_embedded_instance(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == inst);
}

RC_GTEST_PROP(CimXmlProperty, WmiDtdRoundTrips, ()) {
  const Instance inst = *testing::instance();
  const std::string text = format_embedded_instance(inst, XmlDtd::kWmi20);
  const auto back = parse_embedded_instance(text);
  RC_ASSERT(back.ok());
  RC_ASSERT(*back == inst);
}

RC_GTEST_PROP(CimXmlProperty, ArbitraryTextNeverCrashes, (const std::string& text)) {
  const auto r = parse_embedded_instance(text);
  RC_ASSERT(r.ok() || r.status().kind() == StatusKind::kInvalidParameter);
}

}  // namespace
}  // namespace hvsnap::cim
