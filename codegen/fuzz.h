/* The libFuzzer entry point (codegen/fuzz.c). */
#ifndef GEN_FUZZ_H
#define GEN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* GEN_FUZZ_H */
