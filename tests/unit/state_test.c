/* See LICENSE file for copyright and license details. */
/* lib/state: the state directory and files replaced atomically. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"
#include "unit.h"

static char dir[64];

/* A path in the test's directory. */
static const char *
at(const char *name)
{
	static char p[4][256];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

/* How many entries the directory holds (but . and ..). */
static int
entries(const char *d)
{
	DIR *dp = opendir(d);
	struct dirent *e;
	int n = 0;

	if (dp == NULL)
		return -1;
	while ((e = readdir(dp)) != NULL)
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dp);
	return n;
}

/* Any bytes round-trip, NULs included; the file is NUL-terminated. */
static void
roundtrip(void)
{
	static const char data[] = "cursor\0with\nbytes\xff";
	char *p;
	size_t n = 99;

	CHECK_INT(state_write(at("rt"), data, sizeof(data)), 0);
	p = state_read(at("rt"), &n);
	CHECK(p != NULL);
	CHECK_INT(n, sizeof(data));
	if (p != NULL) {
		CHECK_MEM(p, data, sizeof(data));
		CHECK_INT(p[n], 0);
	}
	free(p);
	CHECK_INT(state_write(at("empty"), "", 0), 0);
	p = state_read(at("empty"), &n);
	CHECK(p != NULL && n == 0 && p[0] == '\0');
	free(p);
}

/* Large content, over the reader's first buffer many times. */
static void
large(void)
{
	size_t big = 3 * 1024 * 1024 + 5, n = 0, i;
	char *data = malloc(big), *p;

	for (i = 0; i < big; i++)
		data[i] = (char)(i * 7);
	CHECK_INT(state_write(at("large"), data, big), 0);
	p = state_read(at("large"), &n);
	CHECK_INT(n, big);
	if (p != NULL && n == big)
		CHECK_MEM(p, data, big);
	free(p);
	free(data);
}

/* A write replaces the old file and leaves no temporary behind. */
static void
replace(void)
{
	char *p;
	size_t n;
	int before;

	CHECK_INT(state_write(at("cur"), "old content, longer", 19), 0);
	before = entries(dir);
	CHECK_INT(state_write(at("cur"), "new", 3), 0);
	CHECK_INT(entries(dir), before);
	p = state_read(at("cur"), &n);
	CHECK_BYTES(p, n, "new");
	free(p);
}

/* Errors: -1 with errno, nothing left behind, the old file intact. */
static void
errors(void)
{
	char *p;
	size_t n;
	int before;

	errno = 0;
	CHECK(state_read(at("absent"), &n) == NULL);
	CHECK_INT(errno, ENOENT);
	errno = 0;
	CHECK_INT(state_write(at("nodir/x"), "x", 1), -1);
	CHECK_INT(errno, ENOENT);
	/* the rename fails: a directory stands at the name */
	CHECK_INT(mkdir(at("isdir"), 0700), 0);
	before = entries(dir);
	errno = 0;
	CHECK_INT(state_write(at("isdir"), "x", 1), -1);
	CHECK(errno != 0);
	CHECK_INT(entries(dir), before);
	CHECK_INT(entries(at("isdir")), 0);
	rmdir(at("isdir"));
	/* a state file stays as it was when a write fails */
	CHECK_INT(state_write(at("keep"), "kept", 4), 0);
	CHECK_INT(chmod(dir, 0500), 0);
	if (access(at("probe"), W_OK) == -1 && geteuid() != 0) {
		CHECK_INT(state_write(at("keep"), "lost", 4), -1);
		CHECK_INT(errno, EACCES);
	}
	CHECK_INT(chmod(dir, 0700), 0);
	p = state_read(at("keep"), &n);
	CHECK_BYTES(p, n, "kept");
	free(p);
}

static void
promote(void)
{
	char *p;
	size_t n;

	CHECK_INT(state_write(at("pnew"), "next", 4), 0);
	CHECK_INT(state_write(at("pcur"), "prev", 4), 0);
	CHECK_INT(state_promote(at("pnew"), at("pcur")), 0);
	CHECK_INT(access(at("pnew"), F_OK), -1);
	p = state_read(at("pcur"), &n);
	CHECK_BYTES(p, n, "next");
	free(p);
	errno = 0;
	CHECK_INT(state_promote(at("pnew"), at("pcur")), -1);
	CHECK_INT(errno, ENOENT);
	p = state_read(at("pcur"), &n);
	CHECK_BYTES(p, n, "next");
	free(p);
}

/* An environment of exactly these three (NULL: unset). */
static void
env(const char *s3logs, const char *xdg, const char *home)
{
	if (s3logs) setenv("S3LOGS_STATE_DIR", s3logs, 1);
	else unsetenv("S3LOGS_STATE_DIR");
	if (xdg) setenv("XDG_STATE_HOME", xdg, 1);
	else unsetenv("XDG_STATE_HOME");
	if (home) setenv("HOME", home, 1);
	else unsetenv("HOME");
}

/* The directory, by precedence; created with parents, mode 0700. */
static void
statedir(void)
{
	char want[256], *d;
	struct stat st;

	env(at("a/b/c"), at("xdg"), at("home"));
	d = state_dir();
	CHECK_STR(d, at("a/b/c"));
	CHECK(stat(at("a/b/c"), &st) == 0 && S_ISDIR(st.st_mode) &&
	    (st.st_mode & 0777) == 0700);
	CHECK(stat(at("a"), &st) == 0 && (st.st_mode & 0777) == 0700);
	free(d);
	d = state_dir();		/* it exists now: the same */
	CHECK_STR(d, at("a/b/c"));
	free(d);

	env("", at("xdg"), at("home"));
	d = state_dir();
	snprintf(want, sizeof(want), "%s/s3logs", at("xdg"));
	CHECK_STR(d, want);
	CHECK_INT(access(want, F_OK), 0);
	free(d);

	/* a relative XDG_STATE_HOME is ignored, as the spec says */
	env(NULL, "relative", at("home"));
	d = state_dir();
	snprintf(want, sizeof(want), "%s/.local/state/s3logs", at("home"));
	CHECK_STR(d, want);
	CHECK_INT(access(want, F_OK), 0);
	free(d);

	env(NULL, NULL, NULL);
	errno = 0;
	CHECK(state_dir() == NULL);
	CHECK_INT(errno, ENOENT);

	/* a file in the way */
	CHECK_INT(state_write(at("file"), "", 0), 0);
	env(at("file/sub"), NULL, NULL);
	errno = 0;
	CHECK(state_dir() == NULL);
	CHECK_INT(errno, ENOTDIR);
	env(at("file"), NULL, NULL);		/* the file itself */
	errno = 0;
	CHECK(state_dir() == NULL);
	CHECK_INT(errno, ENOTDIR);
}

int
main(void)
{
	char cmd[128];
	int rc;

	snprintf(dir, sizeof(dir), "%s/state_test.XXXXXX",
	    getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 2;
	}
	RUN(roundtrip);
	RUN(large);
	RUN(replace);
	RUN(errors);
	RUN(promote);
	RUN(statedir);
	rc = unit_done("state");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "state_test: could not remove %s\n", dir);
	return rc;
}
