/* See LICENSE file for copyright and license details. */
/*
 * libFuzzer target for lib/seen.c: each input byte is one hash (the byte
 * value picks one of 256 hashes whose home slots collide a lot), checked
 * against a naive model: a FIFO of the last WINDOW distinct hashes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seen.h"

#define LOG2W	3
#define WINDOW	(1 << LOG2W)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen *s;
	unsigned char h[16], model[WINDOW];
	size_t i, j, n = 0;
	int got, want;

	s = seen_new(LOG2W);
	for (i = 0; i < size; i++) {
		memset(h, 0, sizeof(h));
		h[0] = data[i] & 0x0f;	/* 16 homes for 256 hashes */
		h[15] = data[i];
		want = 0;
		for (j = 0; j < n; j++)
			if (model[j] == data[i])
				want = 1;
		if (!want) {
			if (n == WINDOW) {
				memmove(model, model + 1, WINDOW - 1);
				n--;
			}
			model[n++] = data[i];
		}
		got = seen_add(s, h);
		if (got != want) {
			fprintf(stderr, "seen_fuzz: byte %zu: got %d want %d\n",
			    i, got, want);
			abort();
		}
	}
	seen_free(s);
	return 0;
}
