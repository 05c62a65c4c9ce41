#!/bin/sh
# Fails when a C++ source under lib/, tools/ or tests/ is off the house format (.clang-format).
# Usage: format_check.sh SOURCE_DIR CLANG_FORMAT
set -eu
cd "$1"
find lib tools tests -name '*.cpp' -o -name '*.hpp' | sort | xargs "$2" --dry-run --Werror
echo "format: every C++ source matches .clang-format"
