// Private to cim/: equality of two CIM reals, under which NaN equals NaN, so that a value
// compares equal to its copy (Value's and Scalar's operator==).
#pragma once

#include <cmath>

namespace hvsnap::cim::detail {

inline bool real_equal(double a, double b) {
  return a == b || (std::isnan(a) && std::isnan(b));
}

}  // namespace hvsnap::cim::detail
