/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_PGVAL_H
#define S3LOGS_PGVAL_H

#include <stddef.h>

/*
 * Whether a value (not NUL-terminated, already COPY-unescaped) is one that
 * a PostgreSQL column of a given type accepts, checked before it is sent:
 * a server-side rejection fails a whole COPY, so bad values must be found
 * and set aside first.  Each accepts the forms s3logs writes (and a few
 * common others), not every form PostgreSQL reads: what they refuse, the
 * server may still take, never the other way round.  Pure functions.
 */

/* A decimal integer, optional "-", that fits bytes (2, 4 or 8) bytes. */
int	pgval_int(const char *s, size_t n, int bytes);

/* A date YYYY-MM-DD that exists, year 0001 to 9999. */
int	pgval_date(const char *s, size_t n);

/*
 * A timestamp: a date alone, or a date, "T" or a space, HH:MM[:SS[.d...]]
 * (1 to 9 fractional digits) and an optional "Z" or +HH, +HHMM, +HH:MM
 * offset (or "-"): ISO 8601 as the ENCODE portal and PostgreSQL write them.
 */
int	pgval_timestamp(const char *s, size_t n);

/* A boolean: t, f, true, false, yes, no, on, off, 1, 0 (any case). */
int	pgval_bool(const char *s, size_t n);

/* A uuid: 8-4-4-4-12 hex digits, or 32 hex digits. */
int	pgval_uuid(const char *s, size_t n);

/* An int[] in COPY text: {} or {1,-2,NULL}, elements fitting 4 bytes. */
int	pgval_intarray(const char *s, size_t n);

#endif
