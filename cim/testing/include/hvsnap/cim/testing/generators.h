// RapidCheck generators for CIM values, paths and instances. Test-only; shared by the
// cim, wsman and fuzz-corpus tests so every codec round-trips the same random inputs.
#pragma once

#include <rapidcheck.h>

#include <set>
#include <string>
#include <vector>

#include "hvsnap/cim/datetime.h"
#include "hvsnap/cim/instance.h"
#include "hvsnap/cim/object_path.h"
#include "hvsnap/cim/text.h"
#include "hvsnap/cim/value.h"

namespace hvsnap::cim::testing {

// A CIM identifier that is not a WMI system name ("__…").
inline rc::Gen<std::string> identifier() {
  return rc::gen::exec([] {
    std::string out(1, *rc::gen::element('A', 'B', 'M', 'x', 'y', 'z', 'Q'));
    const auto n = *rc::gen::inRange<std::size_t>(0, 10);
    for (char c : *rc::gen::container<std::vector<char>>(
             n, rc::gen::element('a', 'b', 'c', 'Z', '_', '0', '7', '9'))) {
      out.push_back(c);
    }
    return out;
  });
}

// Text that XML can carry: printable ASCII, tab, newline and a few non-ASCII letters.
inline rc::Gen<std::string> xml_safe_string() {
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
                          "a", "Z", "0", " ", "\t", "\n", "<", ">", "&", "\"", "'", "\\", ":", ".",
                          "=", ",", "@", "-", "\xC3\xA9", "\xE4\xB8\xAD", "]]>", "{", "}")),
                      [](const std::vector<std::string>& parts) {
                        std::string out;
                        for (const auto& p : parts)
                          out += p;
                        return out;
                      });
}

inline rc::Gen<DateTime> datetime() {
  return rc::gen::oneOf(
      rc::gen::map(rc::gen::inRange<std::int64_t>(0, 99'999'999LL * 86'400'000'000LL),
                   [](std::int64_t us) { return DateTime::interval(us); }),
      rc::gen::apply(
          [](std::int64_t us, std::int16_t off) { return DateTime::timestamp(us, off); },
          // 0001-01-02 .. 9999-12-30, so any offset keeps the local year in 4 digits.
          rc::gen::inRange<std::int64_t>(-62135510400LL * 1'000'000, 253402128000LL * 1'000'000),
          rc::gen::inRange<std::int16_t>(-720, 841)));
}

inline rc::Gen<Key> key_value() {
  return rc::gen::oneOf(rc::gen::map(xml_safe_string(),
                                     [](std::string s) {
                                       return Key{"", KeyKind::kString, s};
                                     }),
                        rc::gen::map(rc::gen::arbitrary<std::int64_t>(),
                                     [](std::int64_t n) {
                                       return Key{"", KeyKind::kNumber, std::to_string(n)};
                                     }),
                        rc::gen::map(rc::gen::arbitrary<bool>(), [](bool b) {
                          return Key{"", KeyKind::kBoolean, b ? "TRUE" : "FALSE"};
                        }));
}

inline rc::Gen<ObjectPath> object_path() {
  return rc::gen::exec([] {
    ObjectPath path;
    const int where = *rc::gen::inRange(0, 3);  // 0 relative, 1 namespace, 2 host + namespace
    std::string ns;
    if (where > 0) {
      ns = *rc::gen::element<std::string>("root\\virtualization\\v2", "root\\cimv2", "root");
    }
    ObjectPath out(ns, *identifier());
    if (where == 2) out.set_host(*rc::gen::element<std::string>("HV01", "host.example.com"));
    const int nkeys = *rc::gen::inRange(0, 4);
    if (nkeys == 0) {
      out.set_singleton(true);
      return out;
    }
    if (nkeys == 1 && *rc::gen::inRange(0, 4) == 0) {
      Key k = *key_value();
      out.add_key("", k.value, k.kind);
      return out;
    }
    std::set<std::string, ILess> used;
    for (int i = 0; i < nkeys; ++i) {
      std::string name = *identifier();
      if (!used.insert(name).second) continue;
      Key k = *key_value();
      out.add_key(name, k.value, k.kind);
    }
    return out;
  });
}

namespace detail {
inline rc::Gen<Scalar> scalar_of(CimType t, int depth);
inline rc::Gen<Instance> instance_at(int depth);
}  // namespace detail

inline rc::Gen<Value> value(int depth = 0) {
  return rc::gen::exec([depth] {
    std::vector<CimType> types = {CimType::kBoolean, CimType::kUint8,    CimType::kSint8,
                                  CimType::kUint16,  CimType::kSint16,   CimType::kUint32,
                                  CimType::kSint32,  CimType::kUint64,   CimType::kSint64,
                                  CimType::kReal32,  CimType::kReal64,   CimType::kChar16,
                                  CimType::kString,  CimType::kDateTime, CimType::kReference};
    if (depth < 2) types.push_back(CimType::kInstance);
    const CimType t = *rc::gen::elementOf(types);
    const int shape =
        *rc::gen::inRange(0, 6);  // 0 null scalar, 1 null array, 2..3 array, else scalar
    if (shape == 0) return Value::null(t);
    if (shape == 1) return Value::null(t, true);
    if (shape <= 3) {
      const auto n = *rc::gen::inRange<std::size_t>(0, 4);
      auto items = *rc::gen::container<std::vector<Scalar>>(n, detail::scalar_of(t, depth));
      return Value::array(t, std::move(items));
    }
    return Value::of(t, *detail::scalar_of(t, depth));
  });
}

namespace detail {
inline rc::Gen<Scalar> scalar_of(CimType t, int depth) {
  switch (t) {
    case CimType::kBoolean:
      return rc::gen::cast<Scalar>(rc::gen::arbitrary<bool>());
    case CimType::kUint8:
      return rc::gen::map(rc::gen::arbitrary<std::uint8_t>(),
                          [](auto x) { return Scalar(std::uint64_t{x}); });
    case CimType::kUint16:
      return rc::gen::map(rc::gen::arbitrary<std::uint16_t>(),
                          [](auto x) { return Scalar(std::uint64_t{x}); });
    case CimType::kUint32:
      return rc::gen::map(rc::gen::arbitrary<std::uint32_t>(),
                          [](auto x) { return Scalar(std::uint64_t{x}); });
    case CimType::kUint64:
      return rc::gen::map(rc::gen::arbitrary<std::uint64_t>(), [](auto x) { return Scalar(x); });
    case CimType::kSint8:
      return rc::gen::map(rc::gen::arbitrary<std::int8_t>(),
                          [](auto x) { return Scalar(std::int64_t{x}); });
    case CimType::kSint16:
      return rc::gen::map(rc::gen::arbitrary<std::int16_t>(),
                          [](auto x) { return Scalar(std::int64_t{x}); });
    case CimType::kSint32:
      return rc::gen::map(rc::gen::arbitrary<std::int32_t>(),
                          [](auto x) { return Scalar(std::int64_t{x}); });
    case CimType::kSint64:
      return rc::gen::map(rc::gen::arbitrary<std::int64_t>(), [](auto x) { return Scalar(x); });
    case CimType::kReal32:
      return rc::gen::map(rc::gen::arbitrary<float>(),
                          [](float x) { return Scalar(static_cast<double>(x)); });
    case CimType::kReal64:
      return rc::gen::map(rc::gen::arbitrary<double>(), [](double x) { return Scalar(x); });
    case CimType::kChar16:
      return rc::gen::map(rc::gen::element<std::uint64_t>('a', 'Z', '7', 0xE9, 0x4E2D),
                          [](auto x) { return Scalar(x); });
    case CimType::kString:
      return rc::gen::map(xml_safe_string(), [](std::string s) { return Scalar(std::move(s)); });
    case CimType::kDateTime:
      return rc::gen::map(datetime(), [](DateTime d) { return Scalar(d); });
    case CimType::kReference:
      return rc::gen::map(object_path(), [](ObjectPath p) {
        return Scalar(std::make_shared<const ObjectPath>(std::move(p)));
      });
    case CimType::kInstance:
      return rc::gen::map(instance_at(depth + 1), [](Instance i) {
        return Scalar(std::make_shared<const Instance>(std::move(i)));
      });
  }
  return rc::gen::just(Scalar(false));
}

inline rc::Gen<Instance> instance_at(int depth) {
  return rc::gen::exec([depth] {
    Instance inst(*identifier());
    std::set<std::string, ILess> used;
    const int n = *rc::gen::inRange(0, depth == 0 ? 8 : 3);
    for (int i = 0; i < n; ++i) {
      std::string name = *identifier();
      if (!used.insert(name).second) continue;
      inst.set(name, *value(depth));
    }
    return inst;
  });
}
}  // namespace detail

// A path-less instance with random properties of every type, nesting up to two levels.
inline rc::Gen<Instance> instance() {
  return detail::instance_at(0);
}

}  // namespace hvsnap::cim::testing
