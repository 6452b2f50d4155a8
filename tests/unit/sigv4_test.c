/* See LICENSE file for copyright and license details. */
/*
 * lib/sigv4: the pieces of a signature and one whole signature, AWS's
 * published test vector "get-vanilla" (aws-sig-v4-test-suite).  The
 * comparison with botocore on awkward S3 requests is in tests/s3conf.bats
 * (it needs python3-botocore).
 */
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"
#include "unit.h"

static void
encode(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		int		 keep_slash;
		const char	*want;
	} t[] = {
		{ "AZaz09-._~", 10, 0, "AZaz09-._~" },
		{ "a b/c+d=e&f", 11, 1, "a%20b/c%2Bd%3De%26f" },
		{ "a b/c", 5, 0, "a%20b%2Fc" },
		{ "\xc3\xa9*'()!%", 8, 0, "%C3%A9%2A%27%28%29%21%25" },
		{ "a\0b", 3, 0, "a%00b" },	/* the length counts, not a NUL */
		{ "", 0, 1, "" },
	};
	size_t i;
	char *s;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		s = sigv4_encode(t[i].in, t[i].len, t[i].keep_slash);
		CHECK_STR(s, t[i].want);
		free(s);
	}
}

static void
query(void)
{
	static const struct sigv4_param q[] = {
		{ "prefix", "a b/c" },
		{ "list-type", "2" },
		{ "uploads", NULL },
		{ "a", "2" },
		{ "a", "1" },
		{ "Z", "x=y" },
	};
	char *s;

	s = sigv4_query(q, sizeof(q) / sizeof(q[0]));
	CHECK_STR(s, "Z=x%3Dy&a=1&a=2&list-type=2&prefix=a%20b%2Fc&uploads=");
	free(s);
	s = sigv4_query(NULL, 0);
	CHECK_STR(s, "");
	free(s);
}

static void
dates(void)
{
	char d[17];

	sigv4_amzdate(0, d);
	CHECK_STR(d, "19700101T000000Z");
	sigv4_amzdate(1440938160, d);
	CHECK_STR(d, "20150830T123600Z");
	sigv4_amzdate(1709164800 + 86400 - 1, d);	/* a leap day */
	CHECK_STR(d, "20240229T235959Z");
}

static void
sha256(void)
{
	char h[65];

	sigv4_sha256_hex("", 0, h);
	CHECK_STR(h, SIGV4_EMPTY_SHA256);
	sigv4_sha256_hex("abc", 3, h);
	CHECK_STR(h,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void
vanilla(void)
{
	static const struct sigv4_header h[] = {
		{ "Host", "example.amazonaws.com" },
		{ "X-Amz-Date", "20150830T123600Z" },
	};
	struct sigv4_req r = { 0 };
	char *auth, *canon = NULL;

	r.method = "GET";
	r.path = "/";
	r.headers = h;
	r.nheaders = 2;
	r.payload_hash = SIGV4_EMPTY_SHA256;
	r.region = "us-east-1";
	r.service = "service";
	r.access_key = "AKIDEXAMPLE";
	r.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	r.when = 1440938160;
	auth = sigv4_authorization(&r, &canon);
	CHECK_STR(auth, "AWS4-HMAC-SHA256 "
	    "Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
	    "SignedHeaders=host;x-amz-date, "
	    "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
	CHECK_STR(canon, "GET\n/\n\nhost:example.amazonaws.com\n"
	    "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
	    SIGV4_EMPTY_SHA256);
	CHECK(canon != NULL && strstr(canon, r.secret_key) == NULL);
	free(auth);
	free(canon);
}

int
main(void)
{
	RUN(encode);
	RUN(query);
	RUN(dates);
	RUN(sha256);
	RUN(vanilla);
	return unit_done("sigv4");
}
