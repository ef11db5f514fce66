#ifndef PATROLIQ_NUMBER_FORMAT_H
#define PATROLIQ_NUMBER_FORMAT_H
#include <stddef.h>

/// printf's "%.{decimals}f" of v into buf; returns the length written (or needed).
int piq_format_fixed(char *buf, size_t size, int decimals, double v);
/// printf's "%.{digits}g" of v into buf; returns the length written (or needed).
int piq_format_general(char *buf, size_t size, int digits, double v);

#endif
