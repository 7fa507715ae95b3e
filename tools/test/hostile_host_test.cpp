// Both ends of a hostile conversation (decisions 0031, 0033):
// - the client facing a broken host — a tiny socket server in the test that streams an endless
//   body, declares a 1 GiB one, or trickles a byte at a time: the response limit and the
//   run's deadline end the request, the run ends with exit 3 and its report is written;
// - the served fake's clock under load: what a client just created stays readable for its
//   TimeBeforeRemoval in real time (CS-INV-8), where the per-call clock lost it;
// - `hvsnap serve` stops within 2 s of SIGTERM whatever its clients do.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "hvsnap/cim/names.h"
#include "hvsnap/tools/cli.h"
#include "hvsnap/tools/served.h"
#include "hvsnap/wsman/client.h"
#include "hvsnap/wsman/server.h"

namespace hvsnap::tools {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// kNotWsman: a web server on the port, answering every request (Identify too) with a page.
enum class Misbehaviour { kEndless, kDeclaredGiB, kTrickle, kNotWsman };

// Answers Identify and the control extension properly (through a real dispatcher of a fake
// with no control, so that the client takes it for a live host), and misbehaves on anything
// else. One thread per connection; bounded by the test's lifetime.
class BrokenHost {
 public:
  explicit BrokenHost(Misbehaviour how) : how_(how) {
    auto fake = ServedFake::create("sim:", TargetOptions{});
    dispatcher_ = std::make_shared<wsman::Dispatcher>(*fake, nullptr);
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    ::listen(listener_, 64);
    socklen_t len = sizeof a;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    accepter_ = std::thread([this] { accept_loop(); });
  }
  ~BrokenHost() {
    stop_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    accepter_.join();
    for (auto& t : connections_)
      t.join();
    ::close(listener_);
  }
  std::string endpoint() const { return fmt::format("http://127.0.0.1:{}/wsman", port_); }
  std::uint64_t bytes_sent() const { return sent_; }

 private:
  void accept_loop() {
    while (!stop_) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;
      connections_.emplace_back([this, fd] {
        serve(fd);
        ::close(fd);
      });
    }
  }
  // One request (headers + Content-Length body), or "" when the client went away.
  std::string read_request(int fd, std::string& buf) {
    while (!stop_) {
      const auto end = buf.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::string head = buf.substr(0, end);
        for (auto& ch : head)
          ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const auto cl = head.find("content-length:");
        const std::size_t length = cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 15));
        if (buf.size() >= end + 4 + length) {
          std::string body = buf.substr(end + 4, length);
          buf.erase(0, end + 4 + length);
          return body;
        }
      }
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char chunk[65536];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return "";
      buf.append(chunk, static_cast<std::size_t>(n));
    }
    return "";
  }
  bool send_all(int fd, std::string_view data) {
    while (!data.empty() && !stop_) {
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n <= 0) return false;
      sent_ += static_cast<std::uint64_t>(n);
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return !stop_;
  }
  void serve(int fd) {
    std::string buf;
    for (;;) {
      const std::string body = read_request(fd, buf);
      if (body.empty()) return;
      if (how_ == Misbehaviour::kNotWsman) {
        const std::string page = "<html><body>It works!<br></body></html>";
        if (!send_all(fd, fmt::format("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                      "Content-Length: {}\r\n\r\n{}",
                                      page.size(), page)))
          return;
        continue;
      }
      if (body.find("Identify") != std::string::npos ||
          body.find("urn:hvsnap:wsman:control") != std::string::npos) {
        auto reply = dispatcher_->handle(body);
        if (!send_all(fd, fmt::format("HTTP/1.1 {} X\r\nContent-Type: "
                                      "application/soap+xml\r\nContent-Length: {}\r\n\r\n{}",
                                      reply.http_status, reply.body.size(), reply.body)))
          return;
        continue;
      }
      const std::string start =
          how_ == Misbehaviour::kDeclaredGiB
              ? "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nContent-Length: "
                "1073741824\r\n\r\n"
              : "HTTP/1.1 200 OK\r\nContent-Type: application/soap+xml\r\nConnection: "
                "close\r\n\r\n";
      if (!send_all(fd, start + "<s:Envelope")) return;
      const std::string block(64 * 1024, ' ');
      for (std::uint64_t total = 0; total < (1ULL << 30) && !stop_;) {
        if (how_ == Misbehaviour::kTrickle) {
          if (!send_all(fd, " ")) return;
          std::this_thread::sleep_for(50ms);
          ++total;
        } else {
          if (!send_all(fd, block)) return;
          total += block.size();
        }
      }
      return;
    }
  }

  Misbehaviour how_;
  std::shared_ptr<wsman::Dispatcher> dispatcher_;
  int listener_ = -1;
  int port_ = 0;
  std::thread accepter_;
  std::vector<std::thread> connections_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> sent_{0};
};

TEST(BrokenHost, AnEndlessResponseStopsAtTheClientsLimit) {
  for (auto how : {Misbehaviour::kEndless, Misbehaviour::kDeclaredGiB}) {
    BrokenHost host(how);
    wsman::ClientOptions co;
    co.endpoint = host.endpoint();
    co.max_response_bytes = 4u * 1024 * 1024;
    int fatal_calls = 0;
    co.on_fatal = [&](const cim::Status&) { ++fatal_calls; };
    auto c = wsman::Client::create(co);
    ASSERT_TRUE(c.ok());
    ASSERT_TRUE((*c)->identify().ok());
    const auto t0 = Clock::now();
    auto r = (*c)->enumerate_instances(cim::names::kNamespace, "Msvm_ComputerSystem");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("larger than 4194304 bytes"), std::string::npos)
        << r.status().message();
    EXPECT_LT(Clock::now() - t0, 5s);
    EXPECT_LT(host.bytes_sent(), 64u * 1024 * 1024) << "the client kept reading";
    // Fatal: every later call fails at once, and on_fatal was told once.
    const auto t1 = Clock::now();
    EXPECT_FALSE((*c)->identify().ok());
    EXPECT_LT(Clock::now() - t1, 100ms);
    EXPECT_EQ(fatal_calls, 1);
  }
}

TEST(BrokenHost, ATrickleEndsAtTheRunsDeadline) {
  BrokenHost host(Misbehaviour::kTrickle);
  wsman::ClientOptions co;
  co.endpoint = host.endpoint();
  co.deadline = Clock::now() + 1500ms;
  auto c = wsman::Client::create(co);
  ASSERT_TRUE(c.ok());
  ASSERT_TRUE((*c)->identify().ok());
  const auto t0 = Clock::now();
  auto r = (*c)->enumerate_instances(cim::names::kNamespace, "Msvm_ComputerSystem");
  const auto took = Clock::now() - t0;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), cim::StatusKind::kTimeout);
  EXPECT_NE(r.status().message().find("what was left of the run's time"), std::string::npos)
      << r.status().message();
  EXPECT_LT(took, 3s);
}

struct Ran {
  int code = -1;
  std::string out, err;
};

Ran certify(const std::string& endpoint, const fs::path& out) {
  std::ostringstream o, e;
  Console c{o, e};
  Ran r;
  r.code = run_cli({"certify", "--target", "wsman+" + endpoint, "--budget", "2s", "--profile",
                    "core", "--out", out.string(), "--quiet"},
                   c);
  r.out = o.str();
  r.err = e.str();
  return r;
}

TEST(BrokenHost, CertifyEndsWithExit3AndStillWritesTheReport) {
  for (auto how : {Misbehaviour::kEndless, Misbehaviour::kTrickle}) {
    BrokenHost host(how);
    const fs::path out = fs::path(::testing::TempDir()) /
                         fmt::format("hvsnap-broken-{}-{}", static_cast<int>(how), ::getpid());
    fs::remove_all(out);
    const auto t0 = Clock::now();
    const Ran r = certify(host.endpoint(), out);
    const auto took = Clock::now() - t0;
    EXPECT_EQ(r.code, 3) << r.out << r.err;
    EXPECT_NE(r.err.find("broke the transport"), std::string::npos) << r.err;
    EXPECT_TRUE(fs::exists(out / "result.json")) << r.out << r.err;
    // Budget 2 s plus its grace (2 s at least) and the cleanup's own fast failures.
    EXPECT_LT(took, 8s);
    fs::remove_all(out);
  }
}

// Something answers on the port, but not WS-Management: the target cannot be read, exit 3
// with what answered (decision 0161). Before, exit 2 (usage) with "is the host up".
TEST(BrokenHost, AnAnswerThatIsNotWsmanExitsThreeAndSaysSo) {
  BrokenHost host(Misbehaviour::kNotWsman);
  const fs::path out =
      fs::path(::testing::TempDir()) / fmt::format("hvsnap-not-wsman-{}", ::getpid());
  fs::remove_all(out);
  const Ran r = certify(host.endpoint(), out);
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_NE(r.err.find("the answer is not well-formed XML"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("something answered, but not as WS-Management"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(out / "result.json"));
  fs::remove_all(out);
}

// --- the served fake's clock (decision 0031) ---

cim::ObjectPath first_group(ServedFake& fake) {
  auto groups = fake.enumerate_instances(cim::names::kNamespace, cim::names::kVmGroup);
  EXPECT_TRUE(groups.ok() && !groups->empty());
  return groups->front().path();
}

// Creates a snapshot, waits for its job to end, then makes `calls` quick reads; is the job
// still readable afterwards?
bool job_survives_calls(ServedFake& fake, int calls) {
  const cim::ObjectPath service{std::string(cim::names::kNamespace),
                                std::string(cim::names::kCollectionSnapshotService)};
  cim::PropertyList in;
  in.push_back({"Collection", cim::Value::reference(first_group(fake))});
  in.push_back({"SnapshotType", cim::Value::uint16(2)});
  auto r = fake.invoke_method(service, "CreateSnapshot", in);
  EXPECT_TRUE(r.ok() && r->return_value == 4096);
  if (!r.ok() || r->get("Job") == nullptr) return false;
  const cim::ObjectPath job = *r->get("Job")->as_reference();
  const auto deadline = Clock::now() + 5s;
  for (std::uint64_t state = 4; state < 7 && Clock::now() < deadline;) {
    auto j = fake.get_instance(job);
    if (!j.ok()) return false;
    state = j->get_uint("JobState").value_or(0);
    std::this_thread::sleep_for(20ms);
  }
  for (int i = 0; i < calls; ++i)
    (void)fake.get_instance(job);
  return fake.get_instance(job).ok();
}

TEST(ServedClock, WhatAClientJustCreatedStaysReadableUnderLoad) {
  // 4,000 calls: 400 simulated seconds on the per-call clock, more than TimeBeforeRemoval.
  auto calls = ServedFake::create("sim:", TargetOptions{}, ServedClock::kCalls);
  ASSERT_TRUE(calls.ok());
  EXPECT_FALSE(job_survives_calls(**calls, 4000))
      << "the per-call clock should lose the job (else this test proves nothing)";
  auto wall = ServedFake::create("sim:", TargetOptions{}, ServedClock::kWall);
  ASSERT_TRUE(wall.ok());
  const auto t0 = Clock::now();
  EXPECT_TRUE(job_survives_calls(**wall, 4000)) << "CS-INV-8: the job vanished under load";
  // And simulated time never ran ahead of real time.
  auto now = (*wall)->invoke("Now", {});
  ASSERT_TRUE(now.ok());
  const auto sim_ms = *cim::find(now->out, "Milliseconds")->as_int();
  EXPECT_LE(sim_ms,
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count() + 50);
}

TEST(ServedClock, AResetHostFollowsTheCallsAsInProcess) {
  auto fake = ServedFake::create("sim:", TargetOptions{});
  ASSERT_TRUE(fake.ok());
  EXPECT_EQ((*fake)->clock(), ServedClock::kWall);
  ASSERT_TRUE((*fake)
                  ->invoke("Reset", {{cim::Name("RunSeed"), cim::Value::uint64(1)},
                                     {cim::Name("CaseSeed"), cim::Value::uint64(5)}})
                  .ok());
  EXPECT_EQ((*fake)->clock(), ServedClock::kCalls);
  auto before = (*fake)->invoke("Now", {});
  (void)(*fake)->enumerate_instances(cim::names::kNamespace, "Msvm_ComputerSystem");
  auto after = (*fake)->invoke("Now", {});
  EXPECT_EQ(*cim::find(after->out, "Milliseconds")->as_int() -
                *cim::find(before->out, "Milliseconds")->as_int(),
            100)
      << "one call, one auto-advance";
}

// --- SIGTERM ---

// `hvsnap ARGS…` in its own process, what it prints read through a pipe.
class Child {
 public:
  // `errors_too`: its standard error into the same pipe.
  Child(const std::vector<std::string>& args, bool errors_too) {
    int p[2];
    if (::pipe(p) != 0) return;
    std::vector<std::string> argv{HVSNAP_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv)
      cargv.push_back(a.data());
    cargv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(p[1], STDOUT_FILENO);
      if (errors_too) ::dup2(p[1], STDERR_FILENO);
      ::close(p[0]);
      ::execv(cargv[0], cargv.data());
      ::_exit(127);
    }
    ::close(p[1]);
    out_ = p[0];
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child() {
    if (out_ >= 0) ::close(out_);
  }
  bool started() const { return pid_ > 0 && out_ >= 0; }
  pid_t pid() const { return pid_; }
  // What it printed so far.
  const std::string& text() const { return text_; }
  // Reads until `what` shows, the output ends or `within` passes; whether it showed.
  bool read_until(std::string_view what, std::chrono::seconds within) {
    const auto until = Clock::now() + within;
    while (text_.find(what) == std::string::npos && Clock::now() < until) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[4096];
      const ssize_t n = ::read(out_, buf, sizeof buf);
      if (n <= 0) break;
      text_.append(buf, static_cast<std::size_t>(n));
    }
    return text_.find(what) != std::string::npos;
  }
  // Waits at most `within` for the process to end, then kills it; its wait status, or nullopt
  // when it had to be killed.
  std::optional<int> wait(std::chrono::seconds within) {
    const auto t0 = Clock::now();
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(pid_, &status, WNOHANG)) == 0 && Clock::now() - t0 < within)
      std::this_thread::sleep_for(10ms);
    if (done == pid_) return status;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string text_;
};

TEST(ServeProcess, StopsWithin2sOfSigtermWhateverItsClientsDo) {
  Child serve({"serve", "--listen", "127.0.0.1:0"}, false);
  ASSERT_TRUE(serve.started());
  serve.read_until("Stop with", 10s);
  const std::string& banner = serve.text();
  const auto at = banner.find("http://127.0.0.1:");
  ASSERT_NE(at, std::string::npos) << banner;
  const int port = std::stoi(banner.substr(at + 17));
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    // Idle, half a header, or a body promised and never sent.
    if (i % 3 == 1) (void)!::write(fd, "POST /wsman HTTP/1.1\r\nHo", 24);
    if (i % 3 == 2) {
      const std::string head =
          "POST /wsman HTTP/1.1\r\nHost: x\r\nContent-Type: "
          "application/soap+xml\r\nContent-Length: "
          "4000\r\n\r\n<s:Envelope";
      (void)!::write(fd, head.data(), head.size());
    }
    fds.push_back(fd);
  }
  std::this_thread::sleep_for(200ms);
  const auto t0 = Clock::now();
  ASSERT_EQ(::kill(serve.pid(), SIGTERM), 0);
  const std::optional<int> status = serve.wait(5s);
  const auto took = Clock::now() - t0;
  for (int fd : fds)
    ::close(fd);
  ASSERT_TRUE(status.has_value()) << "hvsnap serve ignored SIGTERM";
  EXPECT_LT(took, 2s);
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << *status;
}

// One Ctrl-C delivered twice within moments (coreutils' `timeout -s INT` signals the command and
// then its own process group) is one interruption: the run finishes what is under way and writes
// its report, exit 130. Before, the second copy counted as "Ctrl-C again" and killed the process
// without a report.
TEST(CertifyProcess, ACtrlCDeliveredTwiceStillWritesTheReport) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / fmt::format("hvsnap-twice-{}", ::getpid());
  std::filesystem::remove_all(dir);
  Child certify({"certify", "--target", "sim:", "--seed", "1", "--out", dir.string()}, true);
  ASSERT_TRUE(certify.started());
  // The first copy once the run is under way, the second once the first was handled (two sent
  // together merge into one pending signal), as timeout's second kill() arrives.
  const bool under_way = certify.read_until("certification run", 30s);
  if (under_way) {
    EXPECT_EQ(::kill(certify.pid(), SIGINT), 0);
    if (certify.read_until("hvsnap: interrupted", 30s)) {
      EXPECT_EQ(::kill(certify.pid(), SIGINT), 0);
    } else {
      ADD_FAILURE() << "no interruption message:\n" << certify.text();
    }
  }
  certify.read_until("\x01", 60s);  // to the end of the output
  const std::optional<int> status = certify.wait(60s);
  ASSERT_TRUE(under_way) << certify.text();
  ASSERT_TRUE(status.has_value()) << "certify did not stop within 60 s of its interruption";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 130)
      << (WIFSIGNALED(*status) ? fmt::format("killed by signal {}", WTERMSIG(*status))
                               : fmt::format("exit {}", WEXITSTATUS(*status)))
      << "\n"
      << certify.text();
  EXPECT_TRUE(std::filesystem::exists(dir / "result.json"));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hvsnap::tools
