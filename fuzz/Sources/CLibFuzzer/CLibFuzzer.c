// The header declares what libFuzzer's runtime defines; SwiftPM needs a source file for the target.
#include "CLibFuzzer.h"
