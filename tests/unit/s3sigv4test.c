/* See LICENSE file for copyright and license details. */
/*
 * Test hook for lib/sigv4 (not installed): sign one request described on
 * the command line with a fixed instant and print the Authorization value,
 * so tests/s3conf.bats can compare it with botocore's.
 *
 *   s3sigv4test METHOD PATH REGION EPOCH PAYLOAD_HASH AK SK \
 *       [q NAME VALUE | v NAME | h NAME VALUE] ...
 *
 * PATH is raw (decoded); "v NAME" is a valueless query parameter.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

int
main(int argc, char *argv[])
{
	struct sigv4_param q[32];
	struct sigv4_header h[32];
	struct sigv4_req r = { 0 };
	char amzdate[17], *auth, *canon;
	size_t nq = 0, nh = 0;
	int i;

	if (argc < 8)
		errx(2, "usage: s3sigv4test METHOD PATH REGION EPOCH HASH AK SK "
		    "[q N V | v N | h N V] ...");
	r.method = argv[1];
	r.path = argv[2];
	r.region = argv[3];
	r.when = (time_t)strtoll(argv[4], NULL, 10);
	r.payload_hash = argv[5];
	r.access_key = argv[6];
	r.secret_key = argv[7];
	r.service = "s3";
	sigv4_amzdate(r.when, amzdate);
	h[nh].name = "x-amz-date";
	h[nh++].value = amzdate;
	h[nh].name = "x-amz-content-sha256";
	h[nh++].value = r.payload_hash;
	for (i = 8; i < argc && nq < 32 && nh < 32; i++) {
		if (strcmp(argv[i], "q") == 0 && i + 2 < argc) {
			q[nq].name = argv[i + 1];
			q[nq++].value = argv[i + 2];
			i += 2;
		} else if (strcmp(argv[i], "v") == 0 && i + 1 < argc) {
			q[nq].name = argv[i + 1];
			q[nq++].value = NULL;
			i += 1;
		} else if (strcmp(argv[i], "h") == 0 && i + 2 < argc) {
			h[nh].name = argv[i + 1];
			h[nh++].value = argv[i + 2];
			i += 2;
		} else
			errx(2, "bad argument %s", argv[i]);
	}
	r.query = q;
	r.nquery = nq;
	r.headers = h;
	r.nheaders = nh;
	auth = sigv4_authorization(&r, &canon);
	if (getenv("SIGV4_CANON") != NULL)
		fprintf(stderr, "%s\n", canon);
	printf("%s\n", auth);
	free(auth);
	free(canon);
	return 0;
}
