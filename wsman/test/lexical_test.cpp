// The client reads every lexical form DSP0230 allows and reports every other one with where and
// what (contract CS-READ-1, decision 0060): booleans, integers, datetimes and intervals,
// references, and a value-map name written in place of its number. Each answer is a response
// envelope as a host would send it, read through wsman::parse_response.
#include <gtest/gtest.h>

#include <string>

#include "../src/lexical.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman {
namespace {

constexpr const char* kJobUri =
    "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/v2/Msvm_ConcreteJob";

// A GetResponse holding one Msvm_ConcreteJob whose properties are `body`.
std::string get_response(const std::string& body) {
  return std::string(
             "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
             "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
             "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
             "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
             "xmlns:cim=\"http://schemas.dmtf.org/wbem/wscim/1/common\"><s:Header>"
             "<a:Action>http://schemas.xmlsoap.org/ws/2004/09/transfer/GetResponse</a:Action>"
             "</s:Header><s:Body><p:Msvm_ConcreteJob xmlns:p=\"") +
         kJobUri + "\">" + body + "</p:Msvm_ConcreteJob></s:Body></s:Envelope>";
}

struct Read {
  cim::Instance instance{cim::Name("none")};
  std::vector<cim::WireProblem> problems;
};

Read read(const std::string& body) {
  auto r = parse_response(get_response(body));
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  Read out;
  if (!r.ok() || r->items.empty() || !r->items.front().instance) return out;
  out.instance = *r->items.front().instance;
  out.problems = r->wire_problems;
  return out;
}

std::string epr(const std::string& cls, const std::string& key, const std::string& value) {
  return "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
         "<a:ReferenceParameters><w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/wmi/"
         "root/virtualization/v2/" +
         cls + "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"" + key + "\">" + value +
         "</w:Selector></w:SelectorSet></a:ReferenceParameters>";
}

TEST(ClientLexical, EveryXsBooleanFormIsLegal) {
  const Read r =
      read("<p:Cancellable>true</p:Cancellable><p:DeleteOnCompletion>0</p:DeleteOnCompletion>");
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().what;
  EXPECT_EQ(r.instance.get("Cancellable")->as_bool(), true);
  EXPECT_EQ(r.instance.get("DeleteOnCompletion")->as_bool(), false);
  const Read digits =
      read("<p:Cancellable> 1 </p:Cancellable><p:DeleteOnCompletion>false</p:DeleteOnCompletion>");
  EXPECT_TRUE(digits.problems.empty());
  EXPECT_EQ(digits.instance.get("Cancellable")->as_bool(), true);
  EXPECT_EQ(digits.instance.get("DeleteOnCompletion")->as_bool(), false);
}

TEST(ClientLexical, ABooleanInAnotherCaseIsReportedAndReadLeniently) {
  const Read r = read("<p:Cancellable>True</p:Cancellable>");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.Cancellable");
  EXPECT_NE(r.problems[0].what.find("'True' is not an xs:boolean"), std::string::npos);
  EXPECT_EQ(r.instance.get("Cancellable")->as_bool(), true);  // the run goes on
  const Read yes = read("<p:Cancellable>yes</p:Cancellable>");
  ASSERT_EQ(yes.problems.size(), 1u);
  EXPECT_FALSE(yes.instance.get("Cancellable")->as_bool().has_value());  // kept as text
}

TEST(ClientLexical, IntegersInXsdsLexicalSpaceAreLegalCanonicalOrNot) {
  const Read r = read(
      "<p:PercentComplete>+42</p:PercentComplete><p:JobState>007</p:JobState>"
      "<p:ErrorCode> 0 </p:ErrorCode><p:JobType>-0</p:JobType>");
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().what;
  EXPECT_EQ(r.instance.get("PercentComplete")->as_uint(), 42u);
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 7u);
  EXPECT_EQ(r.instance.get("ErrorCode")->as_uint(), 0u);
  EXPECT_EQ(r.instance.get("JobType")->as_uint(), 0u);
}

TEST(ClientLexical, IntegersOutsideTheLexicalSpaceOrTheRangeAreReported) {
  const Read hex = read("<p:PercentComplete>0x64</p:PercentComplete>");
  ASSERT_EQ(hex.problems.size(), 1u);
  EXPECT_EQ(hex.problems[0].where, "Msvm_ConcreteJob.PercentComplete");
  EXPECT_NE(hex.problems[0].what.find("not an xs:unsignedShort"), std::string::npos);
  EXPECT_EQ(hex.instance.get("PercentComplete")->as_uint(), 100u);  // DSP0201's hex, leniently
  const Read big = read("<p:PercentComplete>70000</p:PercentComplete>");
  ASSERT_EQ(big.problems.size(), 1u);
  EXPECT_NE(big.problems[0].what.find("out of range for an xs:unsignedShort (0 to 65535)"),
            std::string::npos);
  const Read negative = read("<p:ErrorCode>-1</p:ErrorCode>");
  ASSERT_EQ(negative.problems.size(), 1u);
  for (const char* bad : {"1.0", "1e1", "", "+", "4 2"}) {
    const Read b = read(std::string("<p:JobState>") + bad + "</p:JobState>");
    EXPECT_EQ(b.problems.size(), 1u) << "'" << bad << "'";
  }
}

TEST(ClientLexical, AValueMapNameInPlaceOfItsNumberIsReportedAndReadThroughTheTable) {
  const Read r = read("<p:JobState>Completed</p:JobState>");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.JobState");
  EXPECT_EQ(r.instance.get("JobState")->as_uint(), 7u);
}

TEST(ClientLexical, DatetimesAsCimDatetimeAndIntervalsAsCimIntervalAreLegal) {
  const Read r = read(
      "<p:TimeSubmitted><cim:Datetime>2026-01-01T12:00:00.5Z</cim:Datetime></p:TimeSubmitted>"
      "<p:StartTime><cim:Datetime>2026-01-01T13:00:00+01:00</cim:Datetime></p:StartTime>"
      "<p:TimeBeforeRemoval><cim:Interval>PT5M</cim:Interval></p:TimeBeforeRemoval>"
      "<p:ElapsedTime><cim:Interval>P0DT0H0M1.25S</cim:Interval></p:ElapsedTime>"
      "<p:TimeOfLastStateChange><cim:CIM_DateTime>20260101120000.000000+000</cim:CIM_DateTime>"
      "</p:TimeOfLastStateChange>");
  EXPECT_TRUE(r.problems.empty()) << r.problems.front().what;
  const cim::DateTime* submitted = r.instance.get("TimeSubmitted")->as_datetime();
  const cim::DateTime* start = r.instance.get("StartTime")->as_datetime();
  ASSERT_NE(submitted, nullptr);
  ASSERT_NE(start, nullptr);
  EXPECT_EQ(start->micros() - submitted->micros(), -500'000);  // 12:00:00 UTC vs 12:00:00.5
  EXPECT_EQ(r.instance.get("TimeBeforeRemoval")->as_datetime()->micros(), 300'000'000);
  EXPECT_TRUE(r.instance.get("TimeBeforeRemoval")->as_datetime()->is_interval());
  EXPECT_EQ(r.instance.get("ElapsedTime")->as_datetime()->micros(), 1'250'000);
  // DSP0230's cim:CIM_DateTime carries the DSP0004 string: legal.
  EXPECT_EQ(r.instance.get("TimeOfLastStateChange")->as_datetime()->micros(),
            submitted->micros() - 500'000);
}

TEST(ClientLexical, TheCimXmlStringFormIsReportedWhereverItIsNotInCimCimDateTime) {
  const Read bare = read("<p:TimeSubmitted>20260101120000.000000+000</p:TimeSubmitted>");
  ASSERT_EQ(bare.problems.size(), 1u);
  EXPECT_EQ(bare.problems[0].where, "Msvm_ConcreteJob.TimeSubmitted");
  EXPECT_NE(bare.problems[0].what.find("CIM-XML (DSP0004) string form"), std::string::npos);
  ASSERT_NE(bare.instance.get("TimeSubmitted")->as_datetime(), nullptr);  // read leniently
  const Read inside = read(
      "<p:TimeSubmitted><cim:Datetime>20260101120000.000000+000</cim:Datetime>"
      "</p:TimeSubmitted>");
  ASSERT_EQ(inside.problems.size(), 1u);
  EXPECT_NE(inside.problems[0].what.find("not an xs:dateTime"), std::string::npos);
  const Read xsd_bare = read("<p:TimeSubmitted>2026-01-01T12:00:00Z</p:TimeSubmitted>");
  EXPECT_EQ(xsd_bare.problems.size(), 1u);  // the right text, but not in its element
}

TEST(ClientLexical, AnIntervalAsFreeTextIsReportedAndKeptAsText) {
  const Read r = read("<p:TimeBeforeRemoval>5 minutes</p:TimeBeforeRemoval>");
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].where, "Msvm_ConcreteJob.TimeBeforeRemoval");
  EXPECT_EQ(r.instance.get("TimeBeforeRemoval")->as_datetime(), nullptr);
  const Read wrong = read(
      "<p:TimeBeforeRemoval><cim:Interval>5 minutes</cim:Interval>"
      "</p:TimeBeforeRemoval>");
  ASSERT_EQ(wrong.problems.size(), 1u);
  EXPECT_NE(wrong.problems[0].what.find("not an xs:duration"), std::string::npos);
}

TEST(ClientLexical, ReferencesAreEndpointReferencesAndPathTextIsReported) {
  auto ok = parse_response(
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
      "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><s:Header/><s:Body>"
      "<p:CreateSnapshot_OUTPUT xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/"
      "virtualization/v2/Msvm_CollectionSnapshotService\"><p:Job>" +
      epr("Msvm_ConcreteJob", "InstanceID", "J1") +
      "</p:Job><p:ReturnValue>4096</p:ReturnValue></p:CreateSnapshot_OUTPUT></s:Body>"
      "</s:Envelope>");
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_TRUE(ok->wire_problems.empty());
  ASSERT_TRUE(ok->output);
  ASSERT_NE(ok->output->get("Job")->as_reference(), nullptr);
  auto text = parse_response(
      "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/><s:Body>"
      "<p:CreateSnapshot_OUTPUT xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/"
      "virtualization/v2/Msvm_CollectionSnapshotService\"><p:Job>"
      "root\\virtualization\\v2:Msvm_ConcreteJob.InstanceID=\"J1\"</p:Job>"
      "<p:ReturnValue>4096</p:ReturnValue></p:CreateSnapshot_OUTPUT></s:Body></s:Envelope>");
  ASSERT_TRUE(text.ok()) << text.status().to_string();
  ASSERT_EQ(text->wire_problems.size(), 1u);
  EXPECT_EQ(text->wire_problems[0].where, "CreateSnapshot_OUTPUT.Job");
  EXPECT_NE(text->wire_problems[0].what.find("not an endpoint reference"), std::string::npos)
      << text->wire_problems[0].what;
  ASSERT_NE(text->output->get("Job")->as_reference(), nullptr);  // read leniently
  EXPECT_EQ(text->output->get("Job")->as_reference()->key("InstanceID")->value, "J1");
  EXPECT_EQ(text->output->return_value, 4096u);
}

TEST(ClientLexical, WhatTheSchemaDoesNotTypeIsNeverJudged) {
  const Read r = read("<p:SomethingElse>True</p:SomethingElse><p:Caption>0x10</p:Caption>");
  EXPECT_TRUE(r.problems.empty());
  EXPECT_EQ(*r.instance.get("SomethingElse")->as_string(), "True");
  const Read nil = read("<p:Cancellable xsi:nil=\"true\"/>");
  EXPECT_TRUE(nil.problems.empty());
  EXPECT_TRUE(nil.instance.get("Cancellable")->is_null());
}

TEST(ClientLexical, TheChecksOnTheirOwn) {
  EXPECT_EQ(xsd_boolean_problem("1"), "");
  EXPECT_NE(xsd_boolean_problem("TRUE"), "");
  EXPECT_EQ(xsd_integer_problem("+0042", cim::CimType::kUint8), "");
  EXPECT_NE(xsd_integer_problem("256", cim::CimType::kUint8), "");
  EXPECT_EQ(xsd_integer_problem("-128", cim::CimType::kSint8), "");
  EXPECT_NE(xsd_integer_problem("-129", cim::CimType::kSint8), "");
  EXPECT_EQ(xsd_integer_problem("18446744073709551615", cim::CimType::kUint64), "");
  EXPECT_NE(xsd_integer_problem("18446744073709551616", cim::CimType::kUint64), "");
  for (const char* ok : {"1", "-1.5", "+.5", "1.", "1e10", "1.5E-3", "INF", "-INF", "NaN"})
    EXPECT_EQ(xsd_real_problem(ok), "") << ok;
  for (const char* bad : {"0x10", "1e", ".", "inf", "1,5", "e3"})
    EXPECT_NE(xsd_real_problem(bad), "") << bad;
}

}  // namespace
}  // namespace hvsnap::wsman
