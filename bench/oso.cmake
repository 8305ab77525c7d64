# OSO benchmark: read, write and validate rates and peak memory, compared in the same run with a
# bare pugixml parse+serialise and with `xmllint --noout --schema`. Prints figures; not a ctest.
add_executable(oso_bench ${CMAKE_CURRENT_LIST_DIR}/oso_bench.cpp)
target_link_libraries(oso_bench PRIVATE sluis_mapping_oso pugixml::pugixml)
target_compile_definitions(oso_bench PRIVATE SLUIS_SHARED_DIR="${PROJECT_SOURCE_DIR}/../shared")
sluis_target_options(oso_bench)
sluis_link_allocator(oso_bench)
