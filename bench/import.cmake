# import_bench: pupils/s and peak RSS of a Magister-style export through the mapping (issue 5).
add_executable(import_bench ${CMAKE_CURRENT_LIST_DIR}/import_bench.cpp)
target_link_libraries(import_bench PRIVATE sluis_mapping_magister)
sluis_target_options(import_bench)
sluis_link_allocator(import_bench)
