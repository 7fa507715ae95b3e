// The factories of every mutant, one per class, grouped by the family file that defines it
// (one file per family). catalogue.cpp registers them all in its one table.
#pragma once

#include <memory>

#include "hvsnap/cim/provider.h"
#include "hvsnap/sim/host.h"
#include "hvsnap/tools/mutants.h"

namespace hvsnap::tools::mutants {

using HostPtr = std::shared_ptr<sim::Host>;
using ProviderPtr = std::shared_ptr<cim::Provider>;

// return_code.cpp
ProviderPtr make_accepts_type_zero(HostPtr host);
ProviderPtr make_missing_group_succeeds(HostPtr host);
ProviderPtr make_transitional_is_invalid_parameter(HostPtr host);
ProviderPtr make_reserved_return_code(HostPtr host);

// job.cpp
ProviderPtr make_job_started_without_job(HostPtr host);
ProviderPtr make_job_state_goes_backwards(HostPtr host);
ProviderPtr make_percent_decreases(HostPtr host);
ProviderPtr make_error_code_on_completed(HostPtr host);
ProviderPtr make_exception_without_description(HostPtr host);
ProviderPtr make_job_never_ends(HostPtr host);
ProviderPtr make_job_refusal_reserved_code(HostPtr host);

// result.cpp
ProviderPtr make_skips_a_member(HostPtr host);
ProviderPtr make_vanishes_leaving_a_brief_partial(HostPtr host);
ProviderPtr make_no_result_collection(HostPtr host);
ProviderPtr make_wrong_virtual_system_type(HostPtr host);
ProviderPtr make_broken_parent_chain(HostPtr host);
ProviderPtr make_most_current_not_moved(HostPtr host);
ProviderPtr make_s_not_linked_to_group(HostPtr host);
ProviderPtr make_collection_lists_checkpoint_twice(HostPtr host);

// atomicity.cpp
ProviderPtr make_partial_after_failed_job(HostPtr host);
ProviderPtr make_partial_after_killed_job(HostPtr host);
ProviderPtr make_touches_another_group(HostPtr host);
ProviderPtr make_busy_leaves_partial(HostPtr host);
ProviderPtr make_renames_r(HostPtr host);
ProviderPtr make_adds_to_r(HostPtr host);
ProviderPtr make_single_job_slot(HostPtr host);

// sequence.cpp
ProviderPtr make_apply_on_running_vm(HostPtr host);
ProviderPtr make_limit_not_enforced(HostPtr host);
ProviderPtr make_destroy_does_not_reparent(HostPtr host);
ProviderPtr make_job_id_reused(HostPtr host);
ProviderPtr make_overlapping_both_half_applied(HostPtr host);
ProviderPtr make_dangling_parent_after_subtree_destroy(HostPtr host);

// parsing.cpp
ProviderPtr make_rejects_wmi_dtd(HostPtr host);
ProviderPtr make_ignores_ignore_disks(HostPtr host);

// reference.cpp
ProviderPtr make_parent_as_instance_id(HostPtr host);
ProviderPtr make_snapshot_path_without_key(HostPtr host);
ProviderPtr make_get_does_not_find(HostPtr host);
ProviderPtr make_vssd_names_snapshot(HostPtr host);

// timestamp.cpp
ProviderPtr make_creation_time_in_future(HostPtr host);
ProviderPtr make_job_start_before_submitted(HostPtr host);

// value_map.cpp
ProviderPtr make_transitional_reserved_state(HostPtr host);

// refusal.cpp
ProviderPtr make_not_supported_sometimes(HostPtr host);
ProviderPtr make_not_supported_everything(HostPtr host);

// legal.cpp
ProviderPtr make_job_removed_early(HostPtr host);
ProviderPtr make_timeout_now_and_then(HostPtr host);

// wire.cpp: the filters of the wire mutants and of the legal wire forms.
WireFilter wire_boolean_as_true();
WireFilter wire_datetime_as_dmtf();
WireFilter wire_interval_as_text();
WireFilter wire_enabled_state_as_text();
WireFilter wire_resulting_system_as_text();
WireFilter wire_job_reference_as_text();
WireFilter wire_percent_in_hex();
WireFilter wire_booleans_as_digits();
WireFilter wire_numbers_not_canonical();
WireFilter wire_datetimes_as_cim_datetime_string();

}  // namespace hvsnap::tools::mutants
