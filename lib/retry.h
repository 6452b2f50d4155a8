/* See LICENSE file for copyright and license details. */
#ifndef S3LOGS_RETRY_H
#define S3LOGS_RETRY_H

#include <curl/curl.h>

/*
 * What is worth another attempt, and how long to wait first: shared by
 * the S3 client (lib/s3, s3cat) and the ENCODE client (lib/encode,
 * encodefetch), which add their own protocol's errors on top.
 */

/*
 * Whether a transfer that failed with cc may succeed if repeated: the
 * network or the server, not us: no answer or no connection (DNS,
 * refused, reset, timeout, TLS handshake), a body cut short, an HTTP/2
 * stream error, a body that would not decode.  0 for CURLE_OK.
 */
int	 retry_curl(CURLcode cc);

/* Whether an HTTP status may change if asked again: 429 and 5xx. */
int	 retry_status(long status);

/*
 * The exponential backoff ceiling before retry n (1, 2, ...): first for
 * the first retry, doubling for each further one, but never above cap
 * unless first already is (then first).  Any unit; never overflows.
 */
long	 retry_ceiling(long first, long cap, int n);

/* A delay drawn uniformly from [0, ceiling] ("full jitter"). */
long	 retry_jitter(long ceiling);

#endif
