// `hvsnap serve` in its own process on a free loopback port, as users run it (decision 0030):
// the benchmarks that measure the wire put the server there so that client and server share
// the machine's cores as they do in use, never one address space. The banner names the endpoint.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

namespace hvsnap::bench {

struct ServeProcess {
  pid_t pid = -1;
  std::string endpoint;
  ServeProcess() = default;
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;
  ~ServeProcess() {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      int status = 0;
      ::waitpid(pid, &status, 0);
    }
  }
};

// The hvsnap binary: HVSNAP_SERVE_BINARY if set (to compare two builds' servers with one
// client), else the one built with the benchmark.
inline std::string serve_binary(const char* built) {
  const char* v = std::getenv("HVSNAP_SERVE_BINARY");
  return v != nullptr && *v != '\0' ? std::string(v) : std::string(built);
}

// Runs `binary serve --listen 127.0.0.1:0 ARGS…` and waits (at most 20 s) for its banner.
inline bool start_serve(const std::string& binary, const std::vector<std::string>& args,
                        ServeProcess& out) {
  std::vector<std::string> argv{binary, "serve", "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv)
    cargv.push_back(a.data());
  cargv.push_back(nullptr);
  int p[2];
  if (::pipe(p) != 0) return false;
  out.pid = ::fork();
  if (out.pid < 0) return false;
  if (out.pid == 0) {
    ::dup2(p[1], STDOUT_FILENO);
    ::close(p[0]);
    ::close(p[1]);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(p[1]);
  std::string banner;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (banner.find("Stop with") == std::string::npos &&
         std::chrono::steady_clock::now() < until) {
    pollfd pf{p[0], POLLIN, 0};
    if (::poll(&pf, 1, 200) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) break;
    banner.append(buf, static_cast<std::size_t>(n));
  }
  ::close(p[0]);
  const auto at = banner.find("http://127.0.0.1:");
  if (at == std::string::npos) return false;
  out.endpoint = banner.substr(at, banner.find('\n', at) - at);
  return true;
}

}  // namespace hvsnap::bench
