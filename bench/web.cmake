# web_bench (issue 16): the real `sluis serve` with its web interface on a store filled with N
# transfers (default 10,000) through the store's own interface; logs in through the login form
# per role and times every page. Prints figures; not a timed test. web_bench_smoke runs it on 1,600
# transfers (enough for a second page of dead letters) and checks only that every page answers 200
# with what it must show.
add_executable(web_bench ${CMAKE_CURRENT_LIST_DIR}/web_bench.cpp)
target_link_libraries(web_bench PRIVATE sluis_core Poco::Net nlohmann_json::nlohmann_json)
target_compile_definitions(web_bench PRIVATE SLUIS_EXE="$<TARGET_FILE:sluis>"
                                             SLUIS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sluis_target_options(web_bench)
sluis_link_allocator(web_bench)
add_dependencies(web_bench sluis)
if(SLUIS_BUILD_TESTS)
  add_test(NAME web_bench_smoke COMMAND web_bench --transfers 1600 --requests 2)
  set_tests_properties(web_bench_smoke PROPERTIES TIMEOUT 300 LABELS bench-smoke)
endif()
