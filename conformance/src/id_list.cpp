// IdList (id_list.h): ids in one buffer, sorted once.
#include "hvsnap/conformance/id_list.h"

#include <algorithm>
#include <stdexcept>

#include "hvsnap/cim/names.h"
#include "hvsnap/conformance/model/view.h"

namespace hvsnap::conformance {

void IdList::reserve(std::size_t n, std::size_t chars) {
  ends_.reserve(n);
  text_.reserve(n * chars);
}

void IdList::add_id_of(const cim::ObjectPath& path) {
  std::string whole;
  const std::string_view id = model::id_text_of(path, whole);
  const std::size_t at = text_.size();
  if (at + id.size() > UINT32_MAX) throw std::length_error("IdList: more than 4 GiB of ids");
  text_.append(id);
  model::upper_copy(text_.data() + at, id.size(), text_.data() + at);
  ends_.push_back(static_cast<std::uint32_t>(text_.size()));
}

void IdList::settle() {
  bool ordered = true;  // strictly ascending: sorted and distinct already
  for (std::size_t i = 1; i < size() && ordered; ++i)
    ordered = less((*this)[i - 1], (*this)[i]);
  if (ordered) return;
  std::vector<std::string_view> ids;
  ids.reserve(size());
  for (std::size_t i = 0; i < size(); ++i)
    ids.push_back((*this)[i]);
  std::sort(ids.begin(), ids.end(), less);
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  IdList out;
  out.text_.reserve(text_.size());
  out.ends_.reserve(ids.size());
  for (std::string_view id : ids) {
    out.text_.append(id);
    out.ends_.push_back(static_cast<std::uint32_t>(out.text_.size()));
  }
  *this = std::move(out);
}

bool IdList::contains(std::string_view id) const {
  std::size_t lo = 0;
  std::size_t hi = size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const std::string_view at = (*this)[mid];
    if (at == id) return true;
    if (less(at, id)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return false;
}

cim::Result<IdList> list_host_collections(cim::Provider& p) {
  // Each path read as it comes, none kept (decision 0147); a listing the wire lost part way
  // through is taken again from its start (decision 0166).
  IdList ids;
  auto st = p.each_instance_name_from_start(
      cim::names::kNamespace, cim::names::kSnapshotCollection,
      [&](const cim::ObjectPath& path) { ids.add_id_of(path); }, [&] { ids = IdList{}; });
  if (!st.ok()) {
    return cim::Status(st.kind(), "EnumerateInstances Msvm_SnapshotCollection: " + st.to_string());
  }
  ids.settle();
  return ids;
}

}  // namespace hvsnap::conformance
