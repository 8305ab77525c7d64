# cmake -DINPUT=file -DOUTPUT=file.cpp -DSYMBOL=name -P embed.cmake
file(READ ${INPUT} content HEX)
string(LENGTH "${content}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace sluis::embedded {\nstatic const char kData[] = {${bytes} '\\0'};\nextern const std::string_view ${SYMBOL};\nconst std::string_view ${SYMBOL}(kData, ${len});\n}\n")
