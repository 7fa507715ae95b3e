# The Debian packages hvsnap's libraries depend on, found the same way by this build and by
# the installed hvsnapConfig.cmake (which includes this file after defining
# HVSNAP_FIND_DEPENDENCY as find_dependency). Decision 0040.
if(NOT COMMAND hvsnap_find_dependency)
  macro(hvsnap_find_dependency)
    find_package(${ARGV} REQUIRED)
  endmacro()
endif()
hvsnap_find_dependency(Threads)
hvsnap_find_dependency(fmt 9 CONFIG)
hvsnap_find_dependency(yaml-cpp 0.7 CONFIG)
hvsnap_find_dependency(pugixml 1.13 CONFIG)
hvsnap_find_dependency(nlohmann_json 3.11 CONFIG)
hvsnap_find_dependency(CLI11 2.1 CONFIG)
hvsnap_find_dependency(CURL 7.88)
hvsnap_find_dependency(OpenSSL 3 COMPONENTS Crypto)
hvsnap_find_dependency(Boost 1.74 CONFIG)  # Beast/Asio: the WS-Man transport (decision 0030)
hvsnap_find_dependency(rapidcheck CONFIG)  # no version file in Debian's package
# simdjson reads JSON fixtures into the loader's tree (decision 0105); Debian 12 ships 3.0.1,
# whose version file accepts only 3.0.x requests, so no version is asked for.
hvsnap_find_dependency(simdjson CONFIG)
hvsnap_find_dependency(PkgConfig)
if(NOT TARGET PkgConfig::HTTPLIB)
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET GLOBAL cpp-httplib)
endif()
# libyaml's event parser: the fixture loader's reader (decision 0017); yaml-cpp stays the emitter.
if(NOT TARGET PkgConfig::LIBYAML)
  pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET GLOBAL yaml-0.1)
endif()
if(TARGET yaml-cpp::yaml-cpp)
  set(HVSNAP_YAMLCPP yaml-cpp::yaml-cpp)
else()
  set(HVSNAP_YAMLCPP yaml-cpp)
endif()
