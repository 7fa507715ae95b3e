// AnsweredReads (answered_reads.h): each read asked again while the wire loses its answer.
#include "answered_reads.h"

namespace hvsnap::conformance {

cim::Result<cim::Instance> AnsweredReads::get_instance(const cim::ObjectPath& path) {
  return answered([&] { return inner_.get_instance(path); });
}

std::vector<cim::Result<cim::Instance>> AnsweredReads::get_instances(
    const std::vector<cim::ObjectPath>& paths) {
  // The batch once; each path whose answer was lost, again by its own Get. A path the batch
  // answered says nothing newer than the tries after it; once a path asked again is answered,
  // the host is back and the others are asked again at once.
  std::vector<cim::Result<cim::Instance>> out = inner_.get_instances(paths);
  bool back = false;
  for (std::size_t i = 0; i < out.size() && i < paths.size(); ++i) {
    if (!answer_lost(out[i])) continue;
    out[i] = asked_again(
        std::move(out[i]), [&] { return inner_.get_instance(paths[i]); },
        back ? RetryPause{} : pause());
    const bool lost = answer_lost(out[i]);
    back = back || !lost;
    note(lost, !back);
  }
  return out;
}

cim::Result<std::vector<cim::Instance>> AnsweredReads::enumerate_instances(
    std::string_view name_space, std::string_view class_name) {
  return answered([&] { return inner_.enumerate_instances(name_space, class_name); });
}

cim::Result<std::vector<cim::ObjectPath>> AnsweredReads::enumerate_instance_names(
    std::string_view name_space, std::string_view class_name) {
  return answered([&] { return inner_.enumerate_instance_names(name_space, class_name); });
}

cim::Status AnsweredReads::each_instance_name(
    std::string_view name_space, std::string_view class_name,
    const std::function<void(const cim::ObjectPath&)>& f) {
  // Asked again only while nothing was handed to `f`: a listing lost part way through has
  // given some of its paths already, and its reader would take them twice.
  return listed(name_space, class_name, f, nullptr);
}

cim::Status AnsweredReads::each_instance_name_from_start(
    std::string_view name_space, std::string_view class_name,
    const std::function<void(const cim::ObjectPath&)>& f, const std::function<void()>& restart) {
  return listed(name_space, class_name, f, &restart);
}

cim::Status AnsweredReads::listed(std::string_view name_space, std::string_view class_name,
                                  const std::function<void(const cim::ObjectPath&)>& f,
                                  const std::function<void()>* restart) {
  bool handed = false;
  const std::function<void(const cim::ObjectPath&)> each = [&](const cim::ObjectPath& p) {
    handed = true;
    f(p);
  };
  cim::Status st = inner_.each_instance_name(name_space, class_name, each);
  const RetryPause wait = pause();
  for (int i = 0;
       i < kWireRetries && (!handed || restart != nullptr) && cim::lost_on_the_wire(st.kind());
       ++i) {
    wait.before(i);
    if (handed) (*restart)();  // the reader drops the paths of the lost listing
    handed = false;
    st = inner_.each_instance_name(name_space, class_name, each);
  }
  // A listing whose last try was lost part way: the host did send something, so the pauses
  // were not taken in vain (decision 0163).
  note(cim::lost_on_the_wire(st.kind()), !handed);
  return st;
}

cim::Result<std::vector<cim::Instance>> AnsweredReads::enumerate_instances_matching(
    std::string_view name_space, std::string_view class_name,
    const std::vector<PropertyEquals>& any_of) {
  return answered(
      [&] { return inner_.enumerate_instances_matching(name_space, class_name, any_of); });
}

cim::Result<std::vector<cim::Instance>> AnsweredReads::associators(
    const cim::ObjectPath& object, const cim::AssociatorsFilter& filter) {
  return answered([&] { return inner_.associators(object, filter); });
}

cim::Result<std::vector<cim::Instance>> AnsweredReads::references(
    const cim::ObjectPath& object, const cim::ReferencesFilter& filter) {
  return answered([&] { return inner_.references(object, filter); });
}

}  // namespace hvsnap::conformance
