# Install rules, the exported CMake package and the Debian package (CPack), decision 0040/0042.
#   runtime component (package hvsnap):          bin/hvsnap, the catalogue and the fixtures
#                                                (share/hvsnap), the man page, bash completion
#   dev component (package libhvsnap-dev):       the static libraries, the public headers and
#                                                lib/cmake/hvsnap (hvsnapConfig.cmake, …)
include(CMakePackageConfigHelpers)

get_property(exported GLOBAL PROPERTY HVSNAP_EXPORTED_TARGETS)
get_property(include_dirs GLOBAL PROPERTY HVSNAP_PUBLIC_INCLUDE_DIRS)
install(TARGETS ${exported} EXPORT hvsnapTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
list(REMOVE_DUPLICATES include_dirs)
foreach(dir IN LISTS include_dirs)
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT dev
    FILES_MATCHING PATTERN "*.h")
endforeach()

install(EXPORT hvsnapTargets NAMESPACE hvsnap:: DESTINATION ${HVSNAP_INSTALL_CMAKEDIR}
  COMPONENT dev)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/hvsnapConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/hvsnapConfig.cmake
  INSTALL_DESTINATION ${HVSNAP_INSTALL_CMAKEDIR}
  PATH_VARS HVSNAP_INSTALL_DATADIR)
# 0.x: a new minor version may change the API, so only the same minor version matches.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/hvsnapConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
    ${PROJECT_BINARY_DIR}/cmake/hvsnapConfig.cmake
    ${PROJECT_BINARY_DIR}/cmake/hvsnapConfigVersion.cmake
    ${PROJECT_SOURCE_DIR}/cmake/hvsnapDependencies.cmake
    ${PROJECT_SOURCE_DIR}/cmake/hvsnapCertification.cmake
    ${PROJECT_SOURCE_DIR}/cmake/hvsnapCertifyStep.cmake
  DESTINATION ${HVSNAP_INSTALL_CMAKEDIR} COMPONENT dev)

# Data: the catalogue hvsnap_add_certification reads, and the host fixtures (sim:PATH.yaml).
# The built-in host and the catalogue the suite judges by are compiled in; these copies are
# for CMake and for people.
install(FILES ${PROJECT_SOURCE_DIR}/conformance/requirements.yaml
  DESTINATION ${HVSNAP_INSTALL_DATADIR} COMPONENT runtime)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/fixtures/hosts
  DESTINATION ${HVSNAP_INSTALL_DATADIR}/fixtures COMPONENT runtime FILES_MATCHING PATTERN "*.yaml")
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/contract.md
  DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)

if(HVSNAP_BUILD_DOCS)
  install(FILES ${PROJECT_BINARY_DIR}/doc/hvsnap.1.gz
    DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime)
  install(FILES ${PROJECT_BINARY_DIR}/doc/hvsnap.bash-completion
    DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME hvsnap
    COMPONENT runtime)
endif()

# --- the Debian packages: cpack -G DEB → hvsnap_<version>_amd64.deb, libhvsnap-dev_… ---
set(CPACK_PACKAGE_NAME hvsnap)
set(CPACK_PACKAGE_VENDOR "hvsnap")
set(CPACK_PACKAGE_CONTACT "hvsnap maintainers <hvsnap@localhost>")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY hvsnap)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # <name>_<version>-<release>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE "")
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME hvsnap)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION
  "Simulator and conformance kit for Hyper-V CreateSnapshot (command)\n\
The hvsnap command certifies an implementation of the Hyper-V WMI method\n\
Msvm_CollectionSnapshotService.CreateSnapshot (a fake host, a live host over\n\
WS-Management, or any cim::Provider), serves a fake host over WS-Management,\n\
and merges fleet reports.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libhvsnap-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS
  "hvsnap (= ${PROJECT_VERSION}), libfmt-dev (>= 9), libyaml-cpp-dev (>= 0.7), libyaml-dev, libsimdjson-dev, \
libpugixml-dev (>= 1.13), nlohmann-json3-dev (>= 3.11), libcli11-dev (>= 2.1), \
libcurl4-openssl-dev, libssl-dev (>= 3), librapidcheck-dev, libcpp-httplib-dev, pkg-config, cmake (>= 3.25)")
set(CPACK_DEBIAN_DEV_DESCRIPTION
  "Simulator and conformance kit for Hyper-V CreateSnapshot (development files)\n\
Static libraries, headers and the CMake package of hvsnap: find_package(hvsnap)\n\
gives hvsnap::conformance (certify a C++ cim::Provider in process) and\n\
hvsnap_add_certification() (one ctest test per requirement).")
set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/build/;/\\\\.git/;/reports/runs/")
include(CPack)
