#include "report_util.h"

#include <fmt/format.h>

#include "hvsnap/cim/text.h"

#include <set>

#include <algorithm>
#include <cmath>
#include <optional>

namespace hvsnap::reports {

using namespace conformance;

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = 0;
  if (b < 0x80) return 1;
  if (b >= 0xC2 && b <= 0xDF)
    n = 2;
  else if (b >= 0xE0 && b <= 0xEF)
    n = 3;
  else if (b >= 0xF0 && b <= 0xF4)
    n = 4;
  else
    return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  }
  const auto b1 = static_cast<unsigned char>(s[i + 1]);
  if (b == 0xE0 && b1 < 0xA0) return 0;  // overlong
  if (b == 0xED && b1 > 0x9F) return 0;  // surrogates
  if (b == 0xF0 && b1 < 0x90) return 0;  // overlong
  if (b == 0xF4 && b1 > 0x8F) return 0;  // beyond U+10FFFF
  return n;
}

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// Calls out(ch_bytes) for each valid character, kReplacement for each invalid byte.
template <class Out>
void each_char(std::string_view s, Out out) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_len(s, i);
    if (n == 0) {
      out(kReplacement);
      ++i;
    } else {
      out(s.substr(i, n));
      i += n;
    }
  }
}

}  // namespace

std::vector<const ComboResult*> sorted_combos(const RunResult& r) {
  std::vector<const ComboResult*> out;
  out.reserve(r.combos.size());
  for (const auto& c : r.combos)
    out.push_back(&c);
  auto key = [](const Combo& c) {
    return std::tuple(static_cast<int>(c.c), static_cast<int>(c.s), static_cast<int>(c.t),
                      static_cast<int>(c.r));
  };
  std::stable_sort(out.begin(), out.end(), [&](const ComboResult* a, const ComboResult* b) {
    return key(a->combo) < key(b->combo);
  });
  return out;
}

std::string replay_command(const RunInfo& info, std::string_view token) {
  return fmt::format("{} replay {}", info.replay_program, token);
}

std::string undecided_replay(std::string_view program, const RunResult& r, const UndecidedItem& u) {
  return fmt::format(
      "{} replay {}{}", program, u.token,
      on_the_fake(r.target_uri) ? "" : " --target " + cim::shell_quote(r.target_uri));
}

int append_undecided_errors(pugi::xml_node suite, std::string_view prefix, const RunResult& r,
                            std::string_view program) {
  int errors = 0;
  auto error = [&](const std::string& classname, const std::string& name,
                   const std::string& message, const std::string& body) {
    auto tc = suite.append_child("testcase");
    tc.append_attribute("classname") = xml_safe(classname).c_str();
    tc.append_attribute("name") = xml_safe(name).c_str();
    auto e = tc.append_child("error");
    e.append_attribute("type") = "UNDECIDED";
    e.append_attribute("message") = xml_safe(message).c_str();
    e.append_child(pugi::node_pcdata).set_value(xml_safe(body).c_str());
    ++errors;
  };
  std::size_t shown = 0;
  for (; shown < r.undecided.size() && shown < kUndecidedShown; ++shown) {
    const UndecidedItem& u = r.undecided[shown];
    error(fmt::format("{}.{}", prefix, u.property), u.what, u.reason,
          "run it again: " + undecided_replay(program, r, u) + "\n");
  }
  const auto counted = static_cast<std::size_t>(std::max(r.counts.undecided, 0));
  if (counted > shown) {
    const std::size_t more = counted - shown;
    error(fmt::format("{}.undecided", prefix), fmt::format("{} more undecided", more),
          fmt::format("{} more case(s), sequence(s) or concurrent round(s) the wire left "
                      "undecided",
                      more),
          fmt::format("result.json lists {} of the {} undecided items, each with its reason "
                      "and token\n",
                      r.undecided.size(), counted));
  }
  return errors;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 16);
  each_char(text, [&](std::string_view ch) {
    if (ch.size() == 1) {
      switch (ch[0]) {
        case '&':
          out += "&amp;";
          return;
        case '<':
          out += "&lt;";
          return;
        case '>':
          out += "&gt;";
          return;
        case '"':
          out += "&quot;";
          return;
        case '\'':
          out += "&#39;";
          return;
        default:
          break;
      }
      const auto b = static_cast<unsigned char>(ch[0]);
      if (b < 0x20 && b != '\n' && b != '\t') {
        out += kReplacement;
        return;
      }
    }
    out += ch;
  });
  return out;
}

std::string md_cell(std::string_view text) {
  std::string out;
  each_char(text, [&](std::string_view ch) {
    if (ch == "|")
      out += "\\|";
    else if (ch == "\n")
      out += "<br>";
    else if (ch == "\r")
      return;
    else if (ch == "<")
      out += "&lt;";
    else if (ch == ">")
      out += "&gt;";
    else
      out += ch;
  });
  return out;
}

std::string xml_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  each_char(text, [&](std::string_view ch) {
    const auto b = static_cast<unsigned char>(ch[0]);
    if (ch.size() == 1 && b < 0x20 && b != '\n' && b != '\t' && b != '\r') {
      out += kReplacement;
    } else {
      out += ch;
    }
  });
  return out;
}

std::string utf8_clean(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  each_char(text, [&](std::string_view ch) { out += ch; });
  return out;
}

std::string md_fence(std::string_view text) {
  std::size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<std::size_t>(3, longest + 1), '`');
}

std::vector<std::pair<std::string, int>> numeric_order(const std::map<std::string, int>& m) {
  std::vector<std::pair<std::string, int>> out(m.begin(), m.end());
  auto number = [](const std::string& k) -> std::optional<unsigned long long> {
    if (k.empty() || k.size() > 18 || k.find_first_not_of("0123456789") != std::string::npos)
      return std::nullopt;
    return std::stoull(k);
  };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    const auto na = number(a.first), nb = number(b.first);
    if (na && nb) return *na < *nb;
    if (na || nb) return na.has_value();
    return a.first < b.first;
  });
  return out;
}

double round_to(double v, int digits) {
  const double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

std::string human_seconds(double s) {
  if (s < 60) return fmt::format("{:.2f} s", s);
  const auto total = static_cast<long long>(std::llround(s));
  if (total < 3600) return fmt::format("{} min {:02} s", total / 60, total % 60);
  return fmt::format("{} h {:02} min", total / 3600, (total / 60) % 60);
}

ComboTally tally(const RunResult& r) {
  ComboTally t;
  for (const auto& c : r.combos) {
    switch (c.verdict) {
      case Verdict::kPass:
        ++t.pass;
        break;
      case Verdict::kFail:
        ++t.fail;
        break;
      case Verdict::kWarn:
        ++t.warn;
        break;
      case Verdict::kNotTested:
        ++t.not_tested;
        break;
      case Verdict::kNotApplicable:
        ++t.not_applicable;
        break;
    }
  }
  return t;
}

std::vector<CollectionRow> collection_rows(const RunResult& r) {
  std::set<Power> powers;
  for (const auto& c : r.combos) {
    if (c.combo.c == CClass::kReady) powers.insert(c.combo.power);
  }
  if (powers.empty()) powers.insert(kAllPower.begin(), kAllPower.end());
  std::vector<CollectionRow> rows;
  for (CClass c : kAllC) {
    if (c != CClass::kReady) {
      rows.push_back({c, Power::kAny, std::string(to_string(c))});
      continue;
    }
    for (Power p : powers) {
      Combo k;
      k.c = c;
      k.power = p;
      rows.push_back({c, p, k.c_label()});
    }
  }
  return rows;
}

std::string verdict_headline(const RunResult& r) {
  if (r.certified) return "CERTIFIED ✅";
  if (r.not_supported) return "NOT SUPPORTED ⚠️";
  return "NOT CERTIFIED ❌";
}

}  // namespace hvsnap::reports
