// The measurement behind decision 0030: the same Dispatcher (the served fake) behind HTTP
// servers — cpp-httplib configured as hvsnap served it before (a pool of 8 connection
// threads, 30 s read timeout, 2 s keep-alive), wsman::Server (Boost.Beast/Asio,
// event-driven; 1: Dispatcher calls on 4 workers, 2: the default, on its 2 I/O threads) — under the
// two loads that matter:
//  BM_FreshClientUnderFlood: 100 connections dripping a header byte every 100 ms plus 500 idle
//    ones, then one fresh Identify; fresh_ms is how long it waited (5000 = gave up: starved).
//  BM_Identify: keep-alive Identify requests per second from 1 and 8 clients (throughput).
// Run: build/release/bench/transport_bench
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <thread>

#include "hvsnap/sim/host.h"
#include "hvsnap/wsman/server.h"

namespace {

using namespace hvsnap;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const std::string kIdentify =
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
    "xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
    "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";

std::shared_ptr<wsman::Dispatcher> dispatcher() {
  auto host = sim::Host::create(sim::HostState::with_seed(1));
  return std::make_shared<wsman::Dispatcher>(std::shared_ptr<sim::Host>(std::move(*host)), nullptr);
}

// One of the two servers, on a free loopback port.
class AnyServer {
 public:
  explicit AnyServer(int kind) {
    auto d = dispatcher();
    if (kind == 0) {
      http_ = std::make_unique<httplib::Server>();
      http_->new_task_queue = [] { return new httplib::ThreadPool(8); };
      http_->set_read_timeout(30, 0);
      http_->set_keep_alive_timeout(2);
      http_->set_keep_alive_max_count(10000);
      http_->set_tcp_nodelay(true);
      http_->Post("/wsman", [d](const httplib::Request& req, httplib::Response& res) {
        auto reply = d->handle(req.body);
        res.status = reply.http_status;
        res.set_content(reply.body, "application/soap+xml;charset=UTF-8");
      });
      port_ = http_->bind_to_any_port("127.0.0.1");
      thread_ = std::thread([this] { http_->listen_after_bind(); });
    } else {
      wsman::ServerOptions o;
      o.port = 0;
      if (kind == 1) {  // Dispatcher calls handed to 4 workers, one I/O thread
        o.threads = 4;
        o.io_threads = 1;
      }  // 2: the defaults, Dispatcher calls on the 2 I/O threads
      beast_ = std::move(*wsman::Server::start(d, o));
      port_ = beast_->port();
    }
  }
  ~AnyServer() {
    if (http_) {
      http_->stop();
      thread_.join();
    }
  }
  int port() const { return port_; }

 private:
  std::unique_ptr<httplib::Server> http_;
  std::unique_ptr<wsman::Server> beast_;
  std::thread thread_;
  int port_ = 0;
};

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A fresh client's Identify: milliseconds until the whole answer, capped at `cap`.
double fresh_identify_ms(int port, std::chrono::milliseconds cap) {
  const auto t0 = Clock::now();
  const int fd = connect_to(port);
  if (fd < 0) return static_cast<double>(cap.count());
  const std::string req =
      "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
      "application/soap+xml\r\nContent-Length: " +
      std::to_string(kIdentify.size()) + "\r\nConnection: close\r\n\r\n" + kIdentify;
  (void)!::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string got;
  while (got.find("IdentifyResponse") == std::string::npos) {
    const auto left =
        cap - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[8192];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (got.find("IdentifyResponse") == std::string::npos) return static_cast<double>(cap.count());
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

void BM_FreshClientUnderFlood(benchmark::State& st) {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) == 0) {
    r.rlim_cur = r.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &r);
  }
  AnyServer server(static_cast<int>(st.range(0)));
  std::vector<int> idle, slow;
  for (int i = 0; i < 500; ++i)
    idle.push_back(connect_to(server.port()));
  for (int i = 0; i < 100; ++i) {
    const int fd = connect_to(server.port());
    (void)!::send(fd, "POST /wsman HTTP/1.1\r\nHo", 24, MSG_NOSIGNAL);
    slow.push_back(fd);
  }
  std::atomic<bool> drip{true};
  std::thread dripper([&] {
    while (drip) {
      for (int fd : slow)
        (void)!::send(fd, "x", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      std::this_thread::sleep_for(100ms);
    }
  });
  std::this_thread::sleep_for(300ms);
  double worst = 0;
  for (auto _ : st) {
    const double ms = fresh_identify_ms(server.port(), 5000ms);
    worst = std::max(worst, ms);
    st.SetIterationTime(ms / 1000.0);
  }
  st.counters["fresh_ms_worst"] = worst;
  drip = false;
  dripper.join();
  for (int fd : idle)
    if (fd >= 0) ::close(fd);
  for (int fd : slow)
    if (fd >= 0) ::close(fd);
}
BENCHMARK(BM_FreshClientUnderFlood)
    ->ArgName("server")  // 0 cpp-httplib as before, 1 wsman::Server (Beast), 2 the same inline
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Iterations(3)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

// One server of each kind for every BM_Identify run (kept until the process ends).
AnyServer& shared_server(int kind) {
  static AnyServer* servers[3] = {nullptr, nullptr, nullptr};
  static std::once_flag once[3];
  std::call_once(once[kind], [kind] { servers[kind] = new AnyServer(kind); });
  return *servers[kind];
}

void BM_Identify(benchmark::State& st) {
  const int kind = static_cast<int>(st.range(0));
  httplib::Client c("127.0.0.1", shared_server(kind).port());
  c.set_keep_alive(true);
  c.set_tcp_nodelay(true);
  bool ok = true;
  for (auto _ : st) {
    auto res = c.Post("/wsman", kIdentify, "application/soap+xml;charset=UTF-8");
    ok = ok && res && res->status == 200;
  }
  if (!ok) st.SkipWithError("an Identify failed");
  st.counters["requests_per_s"] =
      benchmark::Counter(static_cast<double>(st.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Identify)
    ->ArgName("server")
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
