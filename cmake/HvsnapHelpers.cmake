# Small helpers shared by every folder's CMakeLists.txt.

# hvsnap_library(NAME <folder> SOURCES ... DEPS ... PRIVATE_DEPS ...)
#   One library per folder, aliased hvsnap::<folder> in the build tree and exported under the
#   same name (decision 0040); public headers under <folder>/include, installed as include/.
function(hvsnap_library)
  cmake_parse_arguments(ARG "" "NAME" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(hvsnap_${ARG_NAME} STATIC ${ARG_SOURCES})
  add_library(hvsnap::${ARG_NAME} ALIAS hvsnap_${ARG_NAME})
  hvsnap_exported(hvsnap_${ARG_NAME} ${ARG_NAME} ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_include_directories(hvsnap_${ARG_NAME} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/src)
  target_link_libraries(hvsnap_${ARG_NAME} PUBLIC ${ARG_DEPS}
    PRIVATE $<BUILD_INTERFACE:hvsnap_options> ${ARG_PRIVATE_DEPS})
endfunction()

# hvsnap_exported(<target> <export name> [<public include dir>])
#   Marks a library for the installed package: hvsnap::<export name>, C++20 for consumers,
#   its public headers found in the build tree and under include/ once installed.
function(hvsnap_exported target export_name)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  target_compile_features(${target} PUBLIC cxx_std_20)
  if(ARGC GREATER 2)
    target_include_directories(${target} PUBLIC
      $<BUILD_INTERFACE:${ARGV2}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
    set_property(GLOBAL APPEND PROPERTY HVSNAP_PUBLIC_INCLUDE_DIRS ${ARGV2})
  endif()
  set_property(GLOBAL APPEND PROPERTY HVSNAP_EXPORTED_TARGETS ${target})
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
  # The sanitizer presets are unity builds (decision 0110) for the libraries; a test program's
  # files each keep their own helpers under the same names, so they compile one by one.
  set_target_properties(${ARG_NAME} PROPERTIES UNITY_BUILD OFF)
  target_link_libraries(${ARG_NAME} PRIVATE hvsnap_allocator ${ARG_DEPS} GTest::gtest GTest::gmock
    hvsnap_options)
  target_compile_definitions(${ARG_NAME} PRIVATE HVSNAP_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${ARG_NAME}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
    PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "${ARG_ENVIRONMENT}")
endfunction()
