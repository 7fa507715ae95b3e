// Generator helpers with the two properties the suite wants of every choice it makes:
// independent of RapidCheck's size (rc::gen::inRange scales its range down with size, so
// small sizes would only ever pick the first values), and shrinking towards the first,
// plainest choice (rc::gen::element does not shrink at all).
#pragma once

#include <rapidcheck.h>

#include <cstddef>
#include <initializer_list>
#include <vector>

namespace hvsnap::conformance::genutil {

// A value in [lo, hi), uniform at any size; shrinks towards lo.
template <typename T>
rc::Gen<T> uniform(T lo, T hi) {
  return rc::gen::resize(100, rc::gen::inRange<T>(lo, hi));
}

// One of `items`, uniform at any size; shrinks towards the first.
template <typename T>
rc::Gen<T> pick(std::initializer_list<T> items) {
  std::vector<T> v(items);
  const std::size_t n = v.size();
  return rc::gen::map(uniform<std::size_t>(0, n),
                      [v = std::move(v)](std::size_t i) { return v[i]; });
}

}  // namespace hvsnap::conformance::genutil
