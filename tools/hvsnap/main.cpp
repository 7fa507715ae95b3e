// The hvsnap program: wires the process (streams, terminal, Ctrl-C) to run_cli.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <iostream>

#include "hvsnap/tools/cli.h"

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_interrupt(int) {
  // Only async-signal-safe calls here. A second Ctrl-C ends the process at once.
  g_interrupted.store(true);
  static const char kMsg[] =
      "\nhvsnap: interrupted — finishing what is under way (a certify run writes a partial "
      "report); Ctrl-C again to abort\n";
  (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
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
