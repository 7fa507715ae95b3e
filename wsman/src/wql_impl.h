// Private to WQL (wql.cpp parses and writes it, wql_eval.cpp evaluates it): what both read.
#pragma once

#include <string>
#include <string_view>

namespace hvsnap::wsman {

// WQL paths may quote key values with single quotes; the CIM path parser wants double.
std::string double_quoted(std::string_view path);

}  // namespace hvsnap::wsman
