// What the harnesses share: a property check that stops the run loudly, so that
// libFuzzer (or the replay driver) keeps the input that broke it.
#pragma once

#include <cstdio>
#include <cstdlib>

// Aborts with FILE:LINE and the condition when `condition` is false.
#define FUZZ_CHECK(condition)                                                                      \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #condition);  \
            std::abort();                                                                          \
        }                                                                                          \
    } while (0)
