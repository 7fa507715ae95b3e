#include "progress.h"

#include <fmt/format.h>

namespace hvsnap::tools {

namespace {
std::string secs(double s) {
  if (s < 60) return fmt::format("{:.1f} s", s);
  const auto t = static_cast<long long>(s);
  if (t < 3600) return fmt::format("{} min {:02} s", t / 60, t % 60);
  return fmt::format("{} h {:02} min", t / 3600, (t / 60) % 60);
}
}  // namespace

std::string ProgressView::line(const conformance::Progress& p) const {
  std::string s = fmt::format("{:<10} {}/{}", p.phase, p.done, p.total);
  if (p.total > 0) s += fmt::format(" ({}%)", p.done * 100 / p.total);
  s += fmt::format(" · {} failure{} · {}", p.failures, p.failures == 1 ? "" : "s",
                   secs(p.elapsed_s));
  const double in_phase = p.elapsed_s - phase_start_s_;
  if (p.done > 0 && p.done < p.total && in_phase > 1.0) {
    s += fmt::format(" · phase ends in ~{}", secs(in_phase / p.done * (p.total - p.done)));
  }
  if (budget_.count() > 0) {
    const double left = static_cast<double>(budget_.count()) / 1000.0 - p.elapsed_s;
    s += left > 0 ? fmt::format(" · budget: {} left", secs(left)) : std::string(" · budget spent");
  }
  return s;
}

void ProgressView::update(const conformance::Progress& p) {
  if (p.phase != phase_) {
    finish();
    phase_ = p.phase;
    phase_start_s_ = p.elapsed_s;
    last_decile_ = -1;
    last_print_s_ = -1;
  }
  last_ = p;
  if (terminal_) {
    if (last_print_s_ >= 0 && p.elapsed_s - last_print_s_ < 0.1 && p.done < p.total) return;
    out_ << "\r\033[K" << line(p) << std::flush;
    live_open_ = true;
    last_print_s_ = p.elapsed_s;
    return;
  }
  // Plain lines: each tenth of a phase, or every 15 seconds, and the end of the phase.
  const int decile = p.total > 0 ? p.done * 10 / p.total : 0;
  if (decile != last_decile_ || p.elapsed_s - last_print_s_ >= 15 || p.done == p.total) {
    if (p.done == p.total && last_decile_ == 10) return;
    out_ << "progress: " << line(p) << "\n" << std::flush;
    last_decile_ = decile;
    last_print_s_ = p.elapsed_s;
  }
}

void ProgressView::finish() {
  if (terminal_ && live_open_) {
    out_ << "\r\033[K" << line(last_) << "\n" << std::flush;
    live_open_ = false;
  }
}

}  // namespace hvsnap::tools
