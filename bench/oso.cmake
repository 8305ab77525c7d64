# OSO benchmark: read, write and validate rates and peak memory, compared in the same run with a
# bare pugixml parse+serialise and with `xmllint --noout --schema` (when an XSD is given with
# --schema or found through SLUIS_OSO_OFFICIAL_DIR). Prints figures; not a ctest. Its full-size set
# is written from the synthetic records in tests/oso/cases/records/.
add_executable(oso_bench ${CMAKE_CURRENT_LIST_DIR}/oso_bench.cpp)
target_link_libraries(oso_bench PRIVATE sluis_mapping_oso pugixml::pugixml)
target_compile_definitions(oso_bench PRIVATE SLUIS_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sluis_target_options(oso_bench)
sluis_link_allocator(oso_bench)
