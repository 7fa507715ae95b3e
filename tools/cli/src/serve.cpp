// `hvsnap serve`: the fake as a WS-Management service any client can reach (contract §8),
// with the control extension of decision 0009 unless --no-control.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ostream>
#include <thread>

#include <sys/resource.h>

#include <mutex>

#include "commands.h"
#include "hvsnap/cim/cores.h"
#include "hvsnap/cim/file.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/tools/version.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {

namespace {

// "HOST:PORT", "[::1]:PORT" or ":PORT" (loopback).
cim::Result<std::pair<std::string, int>> parse_listen(std::string_view text) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    return cim::invalid_parameter(
        fmt::format("'{}' is not HOST:PORT (for example 127.0.0.1:5985)", text));
  }
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "127.0.0.1";
  const std::string_view port = text.substr(colon + 1);
  int n = 0;
  if (port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string::npos ||
      (n = std::stoi(std::string(port))) > 65535) {
    return cim::invalid_parameter(
        fmt::format("'{}' is not a port number (0 to 65535; 0 picks a free one)", port));
  }
  return std::pair{host, n};
}

}  // namespace

int serve(const ServeOptions& o, Console& c) {
  auto usage = [&](const std::string& msg) {
    c.err << "hvsnap serve: " << msg << "\n";
    return kExitUsage;
  };
  if (!o.fixture.empty() && !o.target.empty()) return usage("give --fixture or --target, not both");
  const std::string uri =
      !o.target.empty() ? o.target : (o.fixture.empty() ? std::string("sim:") : "sim:" + o.fixture);
  auto listen = parse_listen(o.listen);
  if (!listen.ok()) return usage("--listen: " + listen.status().message());
  if (o.tls_cert.empty() != o.tls_key.empty())
    return usage("--tls-cert and --tls-key go together (a PEM certificate and its private key)");

  TargetOptions topts;
  topts.seed = o.seed;
  if (!o.personality.empty()) {
    auto p = parse_personality(o.personality);
    if (!p.ok()) return usage("--personality: " + p.status().message());
    topts.personality = *p;
  }
  if (!o.faults.empty()) topts.faults = o.faults;
  ServedClock clock = ServedClock::kWall;
  if (o.clock == "calls") {
    clock = ServedClock::kCalls;
  } else if (o.clock != "wall") {
    return usage(fmt::format("--clock: '{}' is not wall or calls", o.clock));
  }
  topts.host_build = o.host_build;
  // Host slots (decision 0122): one per core by default, so that a certification over loopback
  // keeps every core busy; a client without the control extension cannot reset the others.
  if (o.hosts && (*o.hosts < 1 || *o.hosts > kMaxServedHosts))
    return usage(fmt::format("--hosts {}: expected 1 to {}", *o.hosts, kMaxServedHosts));
  if (o.hosts && *o.hosts > 1 && o.no_control)
    return usage("--hosts above 1 needs the control extension (a Reset makes each slot's host)");
  const std::uint32_t hosts =
      o.hosts.value_or(o.no_control ? 1u : std::clamp(cim::usable_cores(), 1u, kMaxServedHosts));
  auto fake = ServedFake::create(uri, topts, clock, hosts);
  if (!fake.ok()) return usage(fmt::format("{}: {}", uri, fake.status().message()));

  wsman::ServerOptions so;
  so.host = listen->first;
  so.port = listen->second;
  so.tls_cert_file = o.tls_cert;
  so.tls_key_file = o.tls_key;
  // Thousands of clients need thousands of descriptors: use what the hard limit allows.
  rlimit files{};
  if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
    files.rlim_cur = files.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &files);
    (void)::getrlimit(RLIMIT_NOFILE, &files);
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur > 128)
      so.max_connections = std::min<std::size_t>(so.max_connections, files.rlim_cur - 64);
  }
  // Failed authentications and refused connections, one line each, never a password.
  auto log_mu = std::make_shared<std::mutex>();
  so.log = [&c, log_mu](std::string_view line) {
    std::lock_guard lock(*log_mu);
    c.err << "hvsnap serve: " << line << "\n" << std::flush;
  };
  std::string credentials_source = "none (no authentication; loopback only)";
  if (!o.credentials_file.empty()) {
    auto text =
        cim::read_regular_file(o.credentials_file, cim::kMaxSmallFileBytes, "the credentials file");
    if (!text.ok()) return usage("--credentials: " + text.status().message());
    auto cr = wsman::parse_credentials(*text, o.credentials_file);
    if (!cr.ok()) return usage("--credentials: " + cr.status().message());
    so.basic = *cr;
    credentials_source =
        fmt::format("Basic, user '{}' from the file {}", cr->user, o.credentials_file);
  } else if (const char* env = std::getenv("HVSNAP_SERVE_CREDENTIALS"); env && *env) {
    auto cr = wsman::parse_credentials(env, "HVSNAP_SERVE_CREDENTIALS");
    if (!cr.ok()) return usage(cr.status().message());
    so.basic = *cr;
    credentials_source =
        fmt::format("Basic, user '{}' from the environment (HVSNAP_SERVE_CREDENTIALS)", cr->user);
  }

  std::shared_ptr<ServedFake> served = std::move(fake).value();
  wsman::DispatcherOptions dopts;
  dopts.product_version = kVersion;
  so.host_slots = serve_host_slots(*served, hosts, !o.no_control, dopts);
  auto dispatcher = serve_dispatcher(served, !o.no_control, dopts);
  auto server = wsman::Server::start(dispatcher, so);
  if (!server.ok()) {
    c.err << "hvsnap serve: " << server.status().message() << "\n";
    return kExitUsage;
  }
  c.out << fmt::format("hvsnap {} serving {}\n", kVersion, served->spec().identity);
  c.out << fmt::format("  endpoint     {}\n", (*server)->endpoint());
  c.out << fmt::format("  credentials  {}\n", credentials_source);
  c.out << fmt::format("  clock        {}\n",
                       clock == ServedClock::kWall
                           ? "wall (simulated time never runs ahead of real time; decision 0031)"
                           : "calls (every call moves it, as in-process)");
  c.out << fmt::format("  hosts        {}\n",
                       hosts == 1 ? std::string("1 (at /wsman)")
                                  : fmt::format("{} (slot 0 at /wsman, slot K at {}K for K from 1 "
                                                "to {}, its host made by a control Reset; "
                                                "decision 0122)",
                                                hosts, wsman::kHostSlotPath, hosts - 1));
  c.out << fmt::format("  control      {}\n", o.no_control
                                                  ? "off (clients see a plain host)"
                                                  : "on (urn:hvsnap:wsman:control, decision 0009)");
  c.out << fmt::format(
      "  certify it   {} certify --target wsman+{}\n", c.program,
      (*server)->endpoint().insert((*server)->endpoint().find("://") + 3,
                                   so.basic ? so.basic->user + "@" : std::string()));
  c.out << "Stop with Ctrl-C (or SIGTERM).\n" << std::flush;
  while (c.interrupt == nullptr || !c.interrupt->load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (*server)->stop();
  c.out << "hvsnap serve: stopped\n" << std::flush;
  return kExitCertified;
}

}  // namespace hvsnap::tools
