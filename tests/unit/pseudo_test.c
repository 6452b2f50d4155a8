/* See LICENSE file for copyright and license details. */
/*
 * lib/pseudo: stable, keyed pseudonyms for addresses and requesters.  The
 * pinned names were computed apart (Python's hmac, the same word lists),
 * so a change of format or of the HMAC's input shows here first.
 */
#include <ctype.h>
#include <string.h>

#include "pseudo.h"
#include "unit.h"

static const unsigned char key[] = "unit-key";
#define KEY	key, sizeof(key) - 1

/* adjective-animal-xxxxxx */
static int
wellformed(const char *s)
{
	const char *p = s;
	int dashes = 0;

	for (; *p; p++)
		if (*p == '-')
			dashes++;
		else if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p))
			return 0;
	p = strrchr(s, '-');
	return dashes == 2 && p != NULL && strlen(p + 1) == 6 &&
	    strspn(p + 1, "0123456789abcdef") == 6;
}

static void
names(void)
{
	char out[PSEUDO_NAMELEN], again[PSEUDO_NAMELEN];

	CHECK_INT(pseudo_name(KEY, "192.0.2.1", out), 0);
	CHECK_STR(out, "jolly-falcon-93f8e6");
	CHECK(wellformed(out));
	CHECK_INT(pseudo_name(KEY, "2001:db8::1", out), 0);
	CHECK_STR(out, "warm-yak-e229a0");
	/* one address, however written */
	CHECK_INT(pseudo_name(KEY, "::ffff:192.0.2.1", out), 0);
	CHECK_STR(out, "jolly-falcon-93f8e6");
	CHECK_INT(pseudo_name(KEY, "2001:0DB8:0:0:0:0:0:0001", out), 0);
	CHECK_STR(out, "warm-yak-e229a0");
	/* another key, another name */
	CHECK_INT(pseudo_name((const unsigned char *)"other", 5, "192.0.2.1",
	    again), 0);
	CHECK(strcmp(again, "jolly-falcon-93f8e6") != 0);
	CHECK(wellformed(again));
}

static void
notaddress(void)
{
	static const char *bad[] = { "", "-", "192.0.2", "192.0.2.256",
	    "192.0.2.1 ", "::ffff:1.2.3", "2001:db8:::1", "host.example",
	    "192.0.2.1/24" };
	char out[PSEUDO_NAMELEN];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(out, "x");
		CHECK_INT(pseudo_name(KEY, bad[i], out), -1);
		CHECK_STR(out, "unknown");
		strcpy(out, "x");
		CHECK_INT(pseudo_network(bad[i], out), -1);
		CHECK_STR(out, "unknown");
	}
	CHECK_INT(pseudo_name(KEY, NULL, out), -1);
	CHECK_INT(pseudo_network(NULL, out), -1);
}

static void
networks(void)
{
	char out[PSEUDO_NAMELEN];

	CHECK_INT(pseudo_network("192.0.2.77", out), 0);
	CHECK_STR(out, "192.0.2.0/24");
	CHECK_INT(pseudo_network("::ffff:198.51.100.9", out), 0);
	CHECK_STR(out, "198.51.100.0/24");
	CHECK_INT(pseudo_network("2001:db8:1:2::5", out), 0);
	CHECK_STR(out, "2001:db8:1::/48");
	CHECK_INT(pseudo_network("2001:db8::", out), 0);
	CHECK_STR(out, "2001:db8::/48");
	CHECK_INT(pseudo_network("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", out), 0);
	CHECK_STR(out, "ffff:ffff:ffff::/48");
}

static void
public(void)
{
	static const char *yes[] = { "-", "anonymous", "AmazonS3",
	    "svc:delivery.logs.amazonaws.com", "delivery.logs.amazonaws.com",
	    "s3.amazonaws.com", "svc:logging.s3.amazonaws.com" };
	static const char *no[] = { "", "alice",
	    "arn:aws:iam::123456789012:user/alice",
	    "arn:aws:sts::123456789012:assumed-role/r/s3.amazonaws.com",
	    "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be",
	    "amazonaws.com", ".amazonaws.com", "svc:.amazonaws.com",
	    "s3.amazonaws.com.example", "S3.AMAZONAWS.COM",
	    "evil/x.amazonaws.com", "svc:", "svc:alice" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		CHECK(pseudo_public_requester(yes[i]) == 1);
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		CHECK(pseudo_public_requester(no[i]) == 0);
}

static void
requesters(void)
{
	char out[PSEUDO_NAMELEN], ip[PSEUDO_NAMELEN];

	CHECK_INT(pseudo_requester(KEY, "arn:aws:iam::123456789012:user/alice",
	    out), 0);
	CHECK_STR(out, "id-modest-lynx-c1c8f5");
	CHECK(strncmp(out, "id-", 3) == 0 && wellformed(out + 3));
	/* text that is an address names something else than the address */
	CHECK_INT(pseudo_requester(KEY, "192.0.2.1", out), 0);
	CHECK_INT(pseudo_name(KEY, "192.0.2.1", ip), 0);
	CHECK(strcmp(out + 3, ip) != 0);
	CHECK_INT(pseudo_requester(KEY, "", out), 0);
	CHECK(strncmp(out, "id-", 3) == 0 && wellformed(out + 3));
}

int
main(void)
{
	RUN(names);
	RUN(notaddress);
	RUN(networks);
	RUN(public);
	RUN(requesters);
	return unit_done("pseudo");
}
