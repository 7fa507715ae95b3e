// Progress of a long run: a live line on a terminal, plain lines in CI logs.
#pragma once

#include <chrono>
#include <ostream>
#include <string>

#include "hvsnap/conformance/runner.h"

namespace hvsnap::tools {

class ProgressView {
 public:
  ProgressView(std::ostream& out, bool terminal, std::chrono::milliseconds budget)
      : out_(out), terminal_(terminal), budget_(budget) {}
  ~ProgressView() { finish(); }

  void update(const conformance::Progress& p);
  // Ends the live line (if any) so that what follows starts on a fresh line.
  void finish();

 private:
  std::string line(const conformance::Progress& p) const;

  std::ostream& out_;
  bool terminal_;
  std::chrono::milliseconds budget_;
  std::string phase_;
  double phase_start_s_ = 0;
  double last_print_s_ = -1;
  int last_decile_ = -1;
  bool live_open_ = false;
  conformance::Progress last_;
};

}  // namespace hvsnap::tools
