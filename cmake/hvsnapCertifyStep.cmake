# The setup step of hvsnap_add_certification (run with cmake -P): runs `hvsnap certify` into a
# fresh report folder. A written report is the fixture's product whatever its verdict, so the
# step passes on exit 0 (certified), 1 (not certified) and 4 (NOT SUPPORTED); the requirement
# tests then say what the report says. Decision 0041.
#   -DHVSNAP=<hvsnap executable> -DARGS_FILE=<file setting HVSNAP_OUT and HVSNAP_ARGS>
if(NOT HVSNAP OR NOT ARGS_FILE)
  message(FATAL_ERROR "usage: cmake -DHVSNAP=<exe> -DARGS_FILE=<file> -P hvsnapCertifyStep.cmake")
endif()
include(${ARGS_FILE})
# Only a previous report (or nothing) is removed: an OUT that names anything else stops here.
if(EXISTS ${HVSNAP_OUT})
  file(GLOB entries ${HVSNAP_OUT}/*)
  if(entries AND NOT EXISTS ${HVSNAP_OUT}/result.json)
    message(FATAL_ERROR "${HVSNAP_OUT} exists and is not an hvsnap report: not removing it "
                        "(choose another OUT for hvsnap_add_certification)")
  endif()
endif()
file(REMOVE_RECURSE ${HVSNAP_OUT})
execute_process(COMMAND ${HVSNAP} certify ${HVSNAP_ARGS} --out ${HVSNAP_OUT} RESULT_VARIABLE rc)
if(rc STREQUAL "0")
  message(STATUS "hvsnap certify: CERTIFIED; report in ${HVSNAP_OUT}")
elseif(rc STREQUAL "1")
  message(STATUS "hvsnap certify: NOT CERTIFIED (exit 1); the failing requirements fail; "
                 "report in ${HVSNAP_OUT}")
elseif(rc STREQUAL "4")
  message(STATUS "hvsnap certify: NOT SUPPORTED (exit 4); report in ${HVSNAP_OUT}")
else()
  message(FATAL_ERROR "hvsnap certify exited ${rc} without a report (2: usage or configuration, "
                      "3: target unreachable, 130: interrupted)")
endif()
