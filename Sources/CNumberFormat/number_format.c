// Swift cannot call C's variadic snprintf directly, and building a va_list from Swift costs a dynamic
// cast per argument; these two fixed-signature wrappers keep number text printf-exact and fast.
#include <stdio.h>
#include "number_format.h"

int piq_format_fixed(char *buf, size_t size, int decimals, double v) {
    return snprintf(buf, size, "%.*f", decimals, v);
}

int piq_format_general(char *buf, size_t size, int digits, double v) {
    return snprintf(buf, size, "%.*g", digits, v);
}
