/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer target for lib/s3xml.c (run it with fuzz/run.sh s3xml), the
 * parser of every S3 listing and error body.  The first input byte picks
 * the entry point (s3xml_parse_list, s3xml_find for <Code> or <UploadId>,
 * s3xml_urldecode); the rest is the body.  Beyond "no crash, no leak, no
 * UB" it checks the contract:
 *  - a parse either succeeds or fails with a non-empty message;
 *  - every key and prefix is a string no longer than the body, and the
 *    counts stay within the page limit and their capacities;
 *  - a found element's text is no longer than the body;
 *  - URL decoding never lengthens a string.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3xml.h"

#define check(ok)	do {						\
	if (!(ok)) {							\
		fprintf(stderr, "s3xml_fuzz.c:%d: check failed: %s\n",	\
		    __LINE__, #ok);					\
		abort();						\
	}								\
} while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct s3xml_list l;
	char err[256], *body, *v;
	size_t n, i;
	int rc;

	if (size < 1)
		return 0;
	n = size - 1;
	/* An exact-size copy, so that ASan sees any read past the end. */
	body = malloc(n ? n : 1);
	memcpy(body, data + 1, n);
	switch (data[0] % 4) {
	case 0:
		memset(&l, 0, sizeof(l));
		err[0] = '\0';
		rc = s3xml_parse_list(body, n, &l, err, sizeof(err));
		check(rc == 0 || rc == -1);
		if (rc == -1)
			check(err[0] != '\0');
		check(l.nobj <= l.capobj && l.nprefix <= l.capprefix);
		check(l.nobj + l.nprefix <= 100000);
		for (i = 0; i < l.nobj; i++) {
			check(l.obj[i].key != NULL);
			check(strlen(l.obj[i].key) <= n);
			check(memchr(l.obj[i].lastmod, 0,
			    sizeof(l.obj[i].lastmod)) != NULL);
			check(memchr(l.obj[i].etag, 0,
			    sizeof(l.obj[i].etag)) != NULL);
		}
		for (i = 0; i < l.nprefix; i++)
			check(l.prefix[i] != NULL && strlen(l.prefix[i]) <= n);
		if (l.next_token != NULL)
			check(strlen(l.next_token) <= n);
		s3xml_list_free(&l);
		check(l.obj == NULL && l.nobj == 0 && l.next_token == NULL);
		break;
	case 1:
	case 2:
		v = s3xml_find(body, n, data[0] % 4 == 1 ? "Code" : "UploadId");
		if (v != NULL)
			check(strlen(v) <= n);
		free(v);
		break;
	case 3:
		v = malloc(n + 1);
		memcpy(v, body, n);
		v[n] = '\0';
		i = strlen(v);
		check(s3xml_urldecode(v) == v);
		check(strlen(v) <= i);
		free(v);
		break;
	}
	free(body);
	return 0;
}
