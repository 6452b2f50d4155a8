/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer target for lib/awsconf.c (run it with fuzz/run.sh awsconf),
 * the reader of ~/.aws/config and ~/.aws/credentials.  The input is
 * "SECTION\nKEY\nFILE": the first two lines name what to look up, the rest
 * is written to a scratch file that awsconf_get reads.  Beyond "no crash,
 * no leak, no UB" it checks the contract: a value found is non-empty, has
 * no surrounding blanks and no newline, and occurs in the file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awsconf.h"

#define check(ok)	do {						\
	if (!(ok)) {							\
		fprintf(stderr, "awsconf_fuzz.c:%d: check failed: %s\n", \
		    __LINE__, #ok);					\
		abort();						\
	}								\
} while (0)

static char path[] = "/tmp/awsconf_fuzz.XXXXXX";

static void
cleanup(void)
{
	unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	const uint8_t *nl1, *nl2, *file;
	char *section, *key, *v;
	size_t flen, vl;

	if (fd == -1) {
		if ((fd = mkstemp(path)) == -1)
			abort();
		atexit(cleanup);
	}
	if ((nl1 = memchr(data, '\n', size)) == NULL)
		return 0;
	if ((nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - data))) ==
	    NULL)
		return 0;
	section = strndup((const char *)data, (size_t)(nl1 - data));
	key = strndup((const char *)nl1 + 1, (size_t)(nl2 - nl1 - 1));
	file = nl2 + 1;
	flen = size - (size_t)(file - data);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, file, flen, 0) != (ssize_t)flen)
		abort();
	errno = 0;
	v = awsconf_get(path, section, key);
	if (v == NULL)
		check(errno == ENOENT);
	else {
		vl = strlen(v);
		check(vl > 0 && vl <= flen);
		check(v[0] != ' ' && v[0] != '\t');
		check(v[vl - 1] != ' ' && v[vl - 1] != '\t' &&
		    v[vl - 1] != '\r');
		check(strchr(v, '\n') == NULL);
		check(memmem(file, flen, v, vl) != NULL);
	}
	free(v);
	free(section);
	free(key);
	return 0;
}
