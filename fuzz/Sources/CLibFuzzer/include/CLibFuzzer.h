#ifndef C_LIB_FUZZER_H
#define C_LIB_FUZZER_H

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, for programs that have a main of their own (https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library).
// SwiftPM links an executable target's entry point as `<Target>_main` and points `main` at it, so libFuzzer's own
// main is never linked; each target's `<Target>_main` calls this instead.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
