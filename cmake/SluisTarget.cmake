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
