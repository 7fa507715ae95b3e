# Small helpers shared by every folder's CMakeLists.txt.

# hvsnap_library(NAME <folder> SOURCES ... DEPS ...)
#   One library per folder, aliased hvsnap::<folder>, public headers under <folder>/include.
function(hvsnap_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(hvsnap_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(hvsnap::${ARG_NAME} ALIAS hvsnap_${ARG_NAME})
  target_include_directories(hvsnap_${ARG_NAME}
    PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(hvsnap_${ARG_NAME} PUBLIC ${ARG_DEPS} PRIVATE hvsnap_options ${ARG_PRIVATE_DEPS})
endfunction()

# hvsnap_test(NAME <exe> SOURCES ... DEPS ... LABELS ... [PROPERTIES ...])
#   A GoogleTest program whose tests ctest discovers at test time (not at build time).
function(hvsnap_test)
  cmake_parse_arguments(ARG "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS;ENVIRONMENT" ${ARGN})
  if(NOT HVSNAP_BUILD_TESTS)
    return()
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${ARG_NAME} ${ARG_SOURCES})
  target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock hvsnap_options)
  target_compile_definitions(${ARG_NAME} PRIVATE HVSNAP_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(${ARG_NAME}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "${ARG_ENVIRONMENT}")
endfunction()
