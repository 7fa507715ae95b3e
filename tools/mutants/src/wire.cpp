// The mutant family "wire" (decision 0061): the fake stays correct and the served answers are
// rewritten on their way out, as a provider with a broken encoder would write them — each
// breaks CS-READ-1 (every value in its CIM type's WS-Man form, DSP0230) and exists only over
// the wire. The family "legal" has the wire variants a real host may send (booleans as digits,
// integers out of canonical form, a datetime in cim:CIM_DateTime): the suite must certify them.
#include <fmt/format.h>

#include <functional>
#include <mutex>
#include <optional>

#include "families.h"
#include "hvsnap/cim/codes.h"
#include "hvsnap/cim/datetime.h"
#include "hvsnap/wsman/uris.h"

namespace hvsnap::tools::mutants {

namespace {

using Rewrite = std::function<std::optional<std::string>(std::string_view content)>;

// Calls `fn` with the content of every <p:NAME>…</p:NAME> element of `body` (the served fake
// writes every property and parameter with the prefix p) and puts its answer in place.
void each_element(std::string& body, std::string_view name, const Rewrite& fn) {
  const std::string open = fmt::format("<p:{}>", name);
  const std::string close = fmt::format("</p:{}>", name);
  std::size_t at = 0;
  while ((at = body.find(open, at)) != std::string::npos) {
    const std::size_t from = at + open.size();
    const std::size_t to = body.find(close, from);
    if (to == std::string::npos) return;
    std::size_t next = to + close.size();
    if (auto repl = fn(std::string_view(body).substr(from, to - from))) {
      body.replace(from, to - from, *repl);
      next = from + repl->size() + close.size();
    }
    at = next;
  }
}

// Every <cim:TAG>text</cim:TAG> of `body`, rewritten by `fn` as a whole.
void each_cim(std::string& body, std::string_view tag,
              const std::function<std::optional<std::string>(std::string_view)>& fn) {
  const std::string open = fmt::format("<cim:{}>", tag);
  const std::string close = fmt::format("</cim:{}>", tag);
  std::size_t at = 0;
  while ((at = body.find(open, at)) != std::string::npos) {
    const std::size_t to = body.find(close, at + open.size());
    if (to == std::string::npos) return;
    const std::string_view text =
        std::string_view(body).substr(at + open.size(), to - at - open.size());
    const std::size_t whole = to + close.size() - at;
    if (auto repl = fn(text)) {
      body.replace(at, whole, *repl);
      at += repl->size();
    } else {
      at += whole;
    }
  }
}

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '&') {
      out += "&amp;";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else {
      out += c;
    }
  }
  return out;
}

// Only the host's answers are rewritten, never those of hvsnap's control extension.
WireFilter host_answers(std::function<void(const wsman::Request&, std::string&)> fn) {
  return [fn = std::move(fn)](const wsman::Request& r, std::string& body) {
    if (r.resource_uri == wsman::uri::kControl) return;
    fn(r, body);
  };
}

constexpr std::string_view kBooleans[] = {"Cancellable", "DeleteOnCompletion"};

// CS-READ-1: booleans are written "True" and "False" (as .NET's Boolean.ToString does).
WireFilter boolean_as_true() {
  return host_answers([](const wsman::Request&, std::string& body) {
    for (auto name : kBooleans) {
      each_element(body, name, [](std::string_view v) -> std::optional<std::string> {
        if (v == "true") return "True";
        if (v == "false") return "False";
        return std::nullopt;
      });
    }
  });
}

// CS-READ-1: timestamps in the CIM-XML (DSP0004) string form as bare text, in place of a
// cim:Datetime element holding an xs:dateTime.
WireFilter datetime_as_dmtf() {
  return host_answers([](const wsman::Request&, std::string& body) {
    each_cim(body, "Datetime", [](std::string_view text) -> std::optional<std::string> {
      auto d = cim::DateTime::parse_xsd_datetime(text);
      if (!d.ok()) return std::nullopt;
      return d->to_string();
    });
  });
}

// CS-READ-1: a job's TimeBeforeRemoval as free text ("5 minutes"), not a cim:Interval.
WireFilter interval_as_text() {
  return host_answers([](const wsman::Request&, std::string& body) {
    each_element(body, "TimeBeforeRemoval", [](std::string_view v) -> std::optional<std::string> {
      const std::string open = "<cim:Interval>";
      if (v.substr(0, open.size()) != open) return std::nullopt;
      auto d = cim::DateTime::parse_xsd_duration(
          v.substr(open.size(), v.size() - open.size() - open.size() - 1));
      if (!d.ok()) return std::nullopt;
      return fmt::format("{} minutes", d->micros() / 60'000'000);
    });
  });
}

// CS-READ-1: EnabledState as the text of its value map ("Running", "Off") instead of the number.
WireFilter enabled_state_as_text() {
  return host_answers([](const wsman::Request&, std::string& body) {
    each_element(body, "EnabledState", [](std::string_view v) -> std::optional<std::string> {
      for (const auto& c : cim::EnabledState::table()) {
        if (v == std::to_string(c.value)) return std::string(c.meaning);
      }
      return std::nullopt;
    });
  });
}

// The reference out-parameter `param` of method outputs written as WMI object-path text.
WireFilter out_reference_as_text(std::string param) {
  return host_answers([param](const wsman::Request& r, std::string& body) {
    if (r.op != wsman::Operation::kInvoke) return;
    auto parsed = wsman::parse_response(body);
    if (!parsed.ok() || !parsed->output) return;
    const cim::Value* v = parsed->output->get(param);
    if (v == nullptr || v->as_reference() == nullptr) return;
    const std::string text = escape(v->as_reference()->to_string());
    each_element(body, param, [&](std::string_view) { return std::optional<std::string>(text); });
  });
}

// CS-READ-1 (and set-up: DefineSystem is how the suite makes its VMs): the new VM handed out
// as object-path text, not an endpoint reference.
WireFilter resulting_system_as_text() {
  return out_reference_as_text("ResultingSystem");
}

// CS-READ-1: CreateSnapshot's Job handed out as object-path text.
WireFilter job_reference_as_text() {
  return out_reference_as_text("Job");
}

// CS-READ-1: PercentComplete in C's hexadecimal ("0x32"), which XSD's integers do not have.
WireFilter percent_in_hex() {
  return host_answers([](const wsman::Request&, std::string& body) {
    each_element(body, "PercentComplete", [](std::string_view v) -> std::optional<std::string> {
      unsigned n = 0;
      for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        n = n * 10 + static_cast<unsigned>(c - '0');
      }
      return fmt::format("0x{:x}", n);
    });
  });
}

// ---- legal wire forms ---------------------------------------------------------------------

// Legal (CS-READ-1): booleans as 1 and 0, xs:boolean's other lexical forms.
WireFilter booleans_as_digits() {
  return host_answers([](const wsman::Request&, std::string& body) {
    for (auto name : kBooleans) {
      each_element(body, name, [](std::string_view v) -> std::optional<std::string> {
        if (v == "true") return "1";
        if (v == "false") return "0";
        return std::nullopt;
      });
    }
  });
}

// Legal (CS-READ-1, decision 0060): integers in XSD's lexical space but not its canonical form
// — a leading "+" on some, leading zeros on others.
WireFilter numbers_not_canonical() {
  return host_answers([](const wsman::Request&, std::string& body) {
    for (auto name : {"EnabledState", "JobState", "PercentComplete", "ReturnValue", "JobType"}) {
      each_element(body, name, [name](std::string_view v) -> std::optional<std::string> {
        if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos)
          return std::nullopt;
        return std::string_view(name).size() % 2 == 0 ? fmt::format("+{}", v)
                                                      : fmt::format("00{}", v);
      });
    }
  });
}

// Legal (CS-READ-1, decision 0060): timestamps as DSP0230's cim:CIM_DateTime holding the
// DSP0004 string, the cimDateTime choice for values XSD's types cannot express.
WireFilter datetimes_as_cim_datetime_string() {
  return host_answers([](const wsman::Request&, std::string& body) {
    each_cim(body, "Datetime", [](std::string_view text) -> std::optional<std::string> {
      auto d = cim::DateTime::parse_xsd_datetime(text);
      if (!d.ok()) return std::nullopt;
      return fmt::format("<cim:CIM_DateTime>{}</cim:CIM_DateTime>", d->to_string());
    });
  });
}

}  // namespace

WireFilter wire_boolean_as_true() {
  return boolean_as_true();
}
WireFilter wire_datetime_as_dmtf() {
  return datetime_as_dmtf();
}
WireFilter wire_interval_as_text() {
  return interval_as_text();
}
WireFilter wire_enabled_state_as_text() {
  return enabled_state_as_text();
}
WireFilter wire_resulting_system_as_text() {
  return resulting_system_as_text();
}
WireFilter wire_job_reference_as_text() {
  return job_reference_as_text();
}
WireFilter wire_percent_in_hex() {
  return percent_in_hex();
}
WireFilter wire_booleans_as_digits() {
  return booleans_as_digits();
}
WireFilter wire_numbers_not_canonical() {
  return numbers_not_canonical();
}
WireFilter wire_datetimes_as_cim_datetime_string() {
  return datetimes_as_cim_datetime_string();
}

}  // namespace hvsnap::tools::mutants
