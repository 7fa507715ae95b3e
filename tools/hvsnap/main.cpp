// The hvsnap program: wires the process (streams, terminal, Ctrl-C) to run_cli.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <ctime>
#include <iostream>

#include "hvsnap/tools/cli.h"

namespace {

std::atomic<bool> g_interrupted{false};
// When the first Ctrl-C (or SIGTERM) came, on the monotonic clock (0 before), and which.
std::atomic<std::int64_t> g_first_ns{0};
std::atomic<int> g_first_signal{0};
// The same signal this soon after the first is the same interruption delivered twice: coreutils'
// `timeout -s INT` signals the command and then its own process group (as does a wrapper that
// forwards a terminal's Ctrl-C to its group). Only a later one, or another signal, means "abort".
constexpr std::int64_t kSameInterruptNs = 500'000'000;
static_assert(std::atomic<std::int64_t>::is_always_lock_free, "read in a signal handler");
static_assert(std::atomic<int>::is_always_lock_free, "read in a signal handler");
static_assert(std::atomic<bool>::is_always_lock_free, "read in a signal handler");

extern "C" void on_interrupt(int sig) {
  // Only async-signal-safe calls here (clock_gettime, write, signal, raise).
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const std::int64_t now = std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
  std::int64_t first = 0;
  if (g_first_ns.compare_exchange_strong(first, now)) {
    g_first_signal.store(sig);
    g_interrupted.store(true);
    static const char kMsg[] =
        "\nhvsnap: interrupted — finishing what is under way (a certify run writes a partial "
        "report); Ctrl-C again to abort\n";
    (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
    return;
  }
  const int first_signal = g_first_signal.load();  // 0: the first one is being noted
  if ((first_signal == 0 || sig == first_signal) && now - first < kSameInterruptNs) return;
  // A second Ctrl-C ends the process at once.
  std::signal(sig, SIG_DFL);
  (void)std::raise(sig);
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  std::vector<std::string> args(argv + 1, argv + argc);
  hvsnap::tools::Console console{std::cout, std::cerr, ::isatty(STDOUT_FILENO) == 1, &g_interrupted,
                                 argc > 0 ? argv[0] : "hvsnap"};
  console.process_ends_after = true;
  return hvsnap::tools::run_cli(args, console);
}
