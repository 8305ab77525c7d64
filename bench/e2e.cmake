# e2e_bench (issue 15, item 3): the real `sluis serve` daemon(s) on a generated Magister-style
# export, import to OSO delivery in a directory sink; gates off or inzage + batch approval; SQLite
# or PostgreSQL with several daemons. Prints figures; not a timed test. e2e_bench_smoke runs it on
# a few dozen pupils and checks only that every dossier is delivered exactly once.
add_executable(e2e_bench ${CMAKE_CURRENT_LIST_DIR}/e2e_bench.cpp)
target_link_libraries(e2e_bench PRIVATE sluis_mapping_magister Poco::Net PostgreSQL::client
                                        nlohmann_json::nlohmann_json Threads::Threads)
target_compile_definitions(e2e_bench PRIVATE SLUIS_EXE="$<TARGET_FILE:sluis>")
sluis_target_options(e2e_bench)
sluis_link_allocator(e2e_bench)
add_dependencies(e2e_bench sluis)
if(SLUIS_BUILD_TESTS)
  add_test(NAME e2e_bench_smoke_gates_off
           COMMAND e2e_bench --pupils 40 --per-file 15 --variant gates-off --deadline 240)
  add_test(NAME e2e_bench_smoke_batch
           COMMAND e2e_bench --pupils 40 --per-file 15 --variant batch --batch-size 12 --deadline 240)
  set_tests_properties(e2e_bench_smoke_gates_off e2e_bench_smoke_batch
                       PROPERTIES TIMEOUT 300 LABELS bench-smoke)
endif()
