/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_UTF8_H
#define S3LOGS_UTF8_H

#include <stddef.h>

/*
 * Strict UTF-8 (RFC 3629): shortest forms only, no surrogates, nothing
 * above U+10FFFF.  libc only (the log line parser is fuzzed on its own).
 * fuzz/oracle.h holds an independent reference the fuzzers compare with.
 */

/*
 * The length (1 to 4) of the valid sequence at s, n > 0 bytes being
 * readable there, or 0 if the bytes there are not one.  An ASCII byte,
 * NUL included, is a sequence of 1.  The bytes are read in order and
 * reading stops at the first that does not fit, so a NUL-terminated
 * string may be passed with n = strnlen(s, 4).
 */
size_t	 utf8_len(const void *s, size_t n);

/*
 * Whether the n bytes at s are valid UTF-8 without a NUL byte (what a
 * PostgreSQL text value may hold).  Fast on ASCII.
 */
int	 utf8_valid(const void *s, size_t n);

#endif
