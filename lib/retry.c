/* See LICENSE file for copyright and license details. */
#include <stdlib.h>

#include <curl/curl.h>
#include <openssl/rand.h>

#include "retry.h"

int
retry_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_BAD_CONTENT_ENCODING:
		return 1;
	default:
		return 0;
	}
}

int
retry_status(long status)
{
	return status == 429 || status >= 500;
}

long
retry_ceiling(long first, long cap, int n)
{
	long c = first;

	if (cap < first)
		return first;
	for (; n > 1 && c < cap; n--)
		c = c > cap / 2 ? cap : c * 2;
	return c < cap ? c : cap;
}

long
retry_jitter(long ceiling)
{
	unsigned int r;

	if (ceiling <= 0)
		return 0;
	if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
		r = (unsigned int)rand();
	return (long)(r % (unsigned long)(ceiling + 1));
}
