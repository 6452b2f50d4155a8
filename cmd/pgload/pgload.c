/* See LICENSE file for copyright and license details. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "out.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: pgload [-v]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	int ch;

	out_init();
	while ((ch = getopt(argc, argv, "v")) != -1)
		switch (ch) {
		case 'v':
			break;
		default:
			usage();
		}
	errx(1, "not implemented yet");
}
