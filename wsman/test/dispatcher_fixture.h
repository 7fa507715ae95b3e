// The dispatcher's test fixture shared by dispatcher_test and dispatcher_rules_test: a
// Dispatcher over the fake provider with `vms` VMs, its replies parsed (and checked to be
// well-formed XML), an enumeration pulled to its end, and the fault of a request.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "fake_provider.h"
#include "hvsnap/wsman/dispatcher.h"
#include "hvsnap/wsman/messages.h"

namespace hvsnap::wsman::testing {

struct Fixture {
  std::shared_ptr<FakeProvider> provider = std::make_shared<FakeProvider>();
  std::unique_ptr<Dispatcher> d;
  explicit Fixture(int vms = 5, DispatcherOptions o = {}) {
    for (int i = 0; i < vms; ++i) {
      provider->add_vm("VM-" + std::to_string(i), "vm" + std::to_string(i),
                       static_cast<std::uint16_t>(i % 2 == 0 ? 2 : 3),
                       std::uint64_t{512} * static_cast<std::uint64_t>(i + 1));
    }
    d = std::make_unique<Dispatcher>(provider, nullptr, o);
  }
  Dispatcher::Reply raw(const std::string& xml, std::string_view client = "alice") {
    return d->handle(xml, client);
  }
  Response call(const std::string& xml, std::string_view client = "alice") {
    auto reply = raw(xml, client);
    auto r = parse_response(reply.body);
    EXPECT_TRUE(r.ok()) << r.status().to_string() << "\n" << reply.body;
    pugi::xml_document doc;
    EXPECT_TRUE(doc.load_string(reply.body.c_str())) << "ill-formed answer:\n" << reply.body;
    return r.ok() ? std::move(r).value() : Response{};
  }
  // Enumerate + Pull to the end; returns the names, and the number of messages it took.
  std::vector<std::string> all(const std::string& query, std::string_view enum_extra = "",
                               std::string_view pull_extra = "", int* messages = nullptr,
                               std::string_view client = "alice") {
    std::vector<std::string> names;
    auto collect = [&](const Response& r) {
      for (const auto& it : r.items) {
        if (it.instance) names.push_back(it.instance->get_string("Name"));
      }
    };
    Response r = call(
        envelope(kActEnum, std::string(kWmi) + "*", "", wql_enumerate(query, enum_extra)), client);
    if (r.fault) {
      ADD_FAILURE() << r.fault->to_string();
      return names;
    }
    int n = 1;
    collect(r);
    while (!r.end_of_sequence && !r.context.empty()) {
      r = call(envelope(kActPull, std::string(kWmi) + "*", "", pull_body(r.context, pull_extra)),
               client);
      ++n;
      if (r.fault) {
        ADD_FAILURE() << r.fault->to_string();
        break;
      }
      collect(r);
    }
    if (messages) *messages = n;
    return names;
  }
  Fault fault_of(const std::string& xml, std::string_view client = "alice") {
    Response r = call(xml, client);
    EXPECT_TRUE(r.fault.has_value()) << "expected a fault";
    return r.fault.value_or(Fault{});
  }
};

}  // namespace hvsnap::wsman::testing
