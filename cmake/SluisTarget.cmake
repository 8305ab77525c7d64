# Options for Sluis's own targets: strict warnings here only, never on third-party code.
function(sluis_target_options target)
  # -Wno-restrict: GCC 12 reports false positives inside std::string operator+ at -O2 (GCC PR 105329).
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers
                                           -Wno-restrict)
  target_compile_features(${target} PUBLIC cxx_std_20)
endfunction()

# Turns a data file into a C++ source that defines `extern const std::string_view <symbol>`.
# Used to compile data (the canonical model definition, demo files) into the binary.
function(sluis_embed_file out_var input symbol)
  get_filename_component(name ${input} NAME)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/embedded_${symbol}.cpp)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DINPUT=${input} -DOUTPUT=${out} -DSYMBOL=${symbol}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    DEPENDS ${input} ${PROJECT_SOURCE_DIR}/cmake/embed.cmake
    COMMENT "Embedding ${name}")
  set(${out_var} ${out} PARENT_SCOPE)
endfunction()

# The daemon and the benchmarks allocate through jemalloc (Debian's libjemalloc-dev), as ClickHouse
# does: a record import builds and frees hundreds of small JSON nodes per pupil, and glibc's
# malloc spends about a fifth of the import's instructions on them (bench/import_bench). Sanitizer
# builds keep the sanitizer's allocator. SLUIS_ALLOCATOR=system turns it off.
set(SLUIS_ALLOCATOR "jemalloc" CACHE STRING "Allocator for the sluis binary and benchmarks: jemalloc or system")
set_property(CACHE SLUIS_ALLOCATOR PROPERTY STRINGS jemalloc system)
if(SLUIS_ALLOCATOR STREQUAL "jemalloc" AND NOT SLUIS_SANITIZE)
  find_library(SLUIS_JEMALLOC_LIB jemalloc)
  if(NOT SLUIS_JEMALLOC_LIB)
    message(FATAL_ERROR "jemalloc niet gevonden: installeer libjemalloc-dev (scripts/install-deps.sh) "
                        "of configureer met -DSLUIS_ALLOCATOR=system")
  endif()
endif()

function(sluis_link_allocator target)
  if(SLUIS_ALLOCATOR STREQUAL "jemalloc" AND NOT SLUIS_SANITIZE)
    target_link_libraries(${target} PRIVATE ${SLUIS_JEMALLOC_LIB})
    target_compile_definitions(${target} PRIVATE SLUIS_ALLOCATOR_NAME="jemalloc")
  else()
    target_compile_definitions(${target} PRIVATE SLUIS_ALLOCATOR_NAME="system")
  endif()
endfunction()
