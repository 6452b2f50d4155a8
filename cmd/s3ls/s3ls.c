/* See LICENSE file for copyright and license details. */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "out.h"
#include "s3.h"
#include "s3xml.h"
#include "sigv4.h"
#include "state.h"
#include "util.h"

static int	 lflag, zflag, vflag;
static char	 sep = '\n';
static struct s3_client cl;
static struct s3_config cfg;
static const char *maxkeys;	/* S3LOGS_MAX_KEYS, for paging tests */

/* The last key printed for the current URL (the --since last cursor). */
static char	*lastkey;
static unsigned long long nlisted;

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: s3ls [-0Alv] [--commit] [--since when] url ...\n"
	"  -0                  end each record with a NUL byte\n"
	"  -A                  anonymous: unsigned requests\n"
	"  -l                  long format: size, last-modified time, ETag\n"
	"  -v                  trace the endpoint, credential source and requests\n"
	"  --since when        list only part of the prefix\n"
	"  --commit            promote the pending cursor\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: s3ls [-0Alv] [--commit] [--since when] "
	    "url ...\n");
	exit(2);
}

static void
trace(const char *msg)
{
	fprintf(stderr, "s3ls: %s\n", msg);
}

static void
emit(const char *bucket, const struct s3xml_object *o)
{
	out_puts("s3://");
	out_puts(bucket);
	out_putc('/');
	out_puts(o->key);
	if (lflag)
		out_printf("\t%lld\t%s\t%s", o->size, o->lastmod, o->etag);
	out_putc(sep);
	free(lastkey);
	lastkey = xstrdup(o->key);
	nlisted++;
}

/*
 * One ListObjectsV2 walk over every page.  Objects are printed when emit_obj
 * (at most limit of them if limit > 0, then stop); common prefixes
 * are appended to *pfx.  An empty page with IsTruncated=true (RGW sends one
 * after exactly 1000*N keys) is followed like any other.  Returns 0 or -1
 * with err set.
 */
static int
list(const char *bucket, const char *prefix, const char *start_after,
    const char *delim, int emit_obj, long limit, char ***pfx, size_t *npfx,
    char *firstkey_out[], char *err, size_t errlen)
{
	struct s3_request r;
	struct s3_response resp;
	struct s3xml_list l;
	char *token = NULL, *after = start_after ? xstrdup(start_after) : NULL;
	char mk[32];
	size_t i;
	long seen = 0;
	int rc = -1;

	for (;;) {
		memset(&r, 0, sizeof(r));
		memset(&resp, 0, sizeof(resp));
		memset(&l, 0, sizeof(l));
		r.method = "GET";
		r.bucket = bucket;
		s3_req_query(&r, "list-type", "2");
		/* Raw keys may hold bytes XML 1.0 cannot carry. */
		s3_req_query(&r, "encoding-type", "url");
		if (*prefix)
			s3_req_query(&r, "prefix", prefix);
		if (delim != NULL)
			s3_req_query(&r, "delimiter", delim);
		if (limit > 0 && limit < 1000) {
			snprintf(mk, sizeof(mk), "%ld", limit);
			s3_req_query(&r, "max-keys", mk);
		} else if (maxkeys != NULL)
			s3_req_query(&r, "max-keys", maxkeys);
		if (token != NULL)
			s3_req_query(&r, "continuation-token", token);
		else if (after != NULL && *after)
			s3_req_query(&r, "start-after", after);
		if (s3_perform(&cl, &r, NULL, &resp, err, errlen) == -1) {
			s3_buf_free(&resp.body);
			goto out;
		}
		if (s3xml_parse_list(resp.body.p ? resp.body.p : "",
		    resp.body.len, &l, err, errlen) == -1) {
			s3_buf_free(&resp.body);
			s3xml_list_free(&l);
			goto out;
		}
		s3_buf_free(&resp.body);
		for (i = 0; i < l.nobj && (limit <= 0 || seen < limit); i++) {
			seen++;
			if (emit_obj)
				emit(bucket, &l.obj[i]);
			if (firstkey_out != NULL && *firstkey_out == NULL)
				*firstkey_out = xstrdup(l.obj[i].key);
		}
		for (i = 0; i < l.nprefix && pfx != NULL; i++) {
			*pfx = xreallocarray(*pfx, *npfx + 1, sizeof(**pfx));
			(*pfx)[(*npfx)++] = l.prefix[i];
			l.prefix[i] = NULL;
		}
		if (!l.truncated || (limit > 0 && seen >= limit)) {
			s3xml_list_free(&l);
			break;
		}
		free(token);
		token = NULL;
		if (l.next_token != NULL && *l.next_token) {
			token = l.next_token;
			l.next_token = NULL;
		} else if (l.nobj > 0) {
			/* No token (a V1-style server): go on after the last key. */
			free(after);
			after = xstrdup(l.obj[l.nobj - 1].key);
		} else {
			snprintf(err, errlen, "truncated listing without a "
			    "continuation token");
			s3xml_list_free(&l);
			goto out;
		}
		s3xml_list_free(&l);
	}
	rc = 0;
out:
	free(token);
	free(after);
	return rc;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/*
 * --since DATE: YYYY-MM-DD[THH[:MM[:SS]]], split into its numeric fields.
 * Returns the number of fields given (3..6), or 0 if s is not a date.
 */
static int
parse_date(const char *s, char f[6][5])
{
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };
	static const char seps[6] = { 0, '-', '-', 'T', ':', ':' };
	int i, j;

	for (i = 0; i < 6; i++) {
		if (i > 0) {
			if (*s == '\0' && i >= 3)
				return i;
			if (*s != seps[i] && !(i == 3 && *s == ' '))
				return 0;
			s++;
		}
		for (j = 0; j < width[i]; j++) {
			if (!isdigit((unsigned char)s[j]))
				return 0;
			f[i][j] = s[j];
		}
		f[i][j] = '\0';
		s += width[i];
	}
	return *s == '\0' || strcmp(s, "Z") == 0 ? 6 : 0;
}

static int
match_simple(const char *r)
{
	static const char pat[] = "dddd-dd-dd-";
	size_t i;

	for (i = 0; i < sizeof(pat) - 1; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)r[i]) :
		    r[i] != pat[i])
			return 0;
	return 1;
}

/* acct/region/bucket/YYYY/MM/DD/... */
static int
match_partitioned(const char *r)
{
	int seg;

	for (seg = 0; seg < 3; seg++) {
		const char *sl = strchr(r, '/');

		if (sl == NULL || sl == r)
			return 0;
		r = sl + 1;
	}
	return isdigit((unsigned char)r[0]) && isdigit((unsigned char)r[3]) &&
	    r[4] == '/' && isdigit((unsigned char)r[5]) && r[7] == '/' &&
	    isdigit((unsigned char)r[8]) && r[10] == '/';
}

/*
 * --since DATE.  The first key tells the format.  Simple keys
 * (prefixYYYY-mm-DD-HH-MM-SS-...) sort by time, so the date becomes a
 * start-after.  Date-partitioned keys (prefix<acct>/<region>/<bucket>/
 * YYYY/MM/DD/YYYY-mm-DD-HH-MM-SS-...) are fixed-width under each
 * acct/region/bucket partition: list those three levels with a delimiter
 * (few entries), then start each partition after its date path, so no day
 * before DATE is ever listed.
 */
static int
since_date(const char *bucket, const char *prefix, char f[6][5], int nf,
    char *err, size_t errlen)
{
	char *first = NULL, **lv[4] = { 0 }, *after;
	size_t nlv[4] = { 0 }, i, j, k, plen = strlen(prefix);
	char dstr[32], dpath[64];
	int rc = -1;

	snprintf(dstr, sizeof(dstr), "%s-%s-%s", f[0], f[1], f[2]);
	for (i = 3; i < (size_t)nf; i++) {
		strcat(dstr, "-");
		strcat(dstr, f[i]);
	}
	if (list(bucket, prefix, NULL, NULL, 0, 1, NULL, NULL, &first, err,
	    errlen) == -1)
		return -1;
	if (first == NULL)
		return 0;	/* nothing under the prefix */
	if (match_simple(first + plen)) {
		after = s3_fmt("%s%s", prefix, dstr);
		rc = list(bucket, prefix, after, NULL, 1, 0, NULL, NULL, NULL,
		    err, errlen);
		free(after);
		free(first);
		return rc;
	}
	if (!match_partitioned(first + plen)) {
		snprintf(err, errlen, "--since DATE: key %s fits neither log "
		    "key format", first);
		free(first);
		return -1;
	}
	free(first);
	if (nf == 3)
		snprintf(dpath, sizeof(dpath), "%s/%s/%s/", f[0], f[1], f[2]);
	else
		snprintf(dpath, sizeof(dpath), "%s/%s/%s/%s", f[0], f[1], f[2],
		    dstr);
	lv[0] = xmalloc(sizeof(char *));
	lv[0][0] = xstrdup(prefix);
	nlv[0] = 1;
	/* accounts, regions, buckets */
	for (k = 0; k < 3; k++)
		for (i = 0; i < nlv[k]; i++)
			if (list(bucket, lv[k][i], NULL, "/", 0, 0, &lv[k + 1],
			    &nlv[k + 1], NULL, err, errlen) == -1)
				goto out;
	for (j = 0; j < nlv[3]; j++) {
		after = s3_fmt("%s%s", lv[3][j], dpath);
		rc = list(bucket, lv[3][j], after, NULL, 1, 0, NULL, NULL, NULL,
		    err, errlen);
		free(after);
		if (rc == -1)
			goto out;
	}
	rc = 0;
out:
	for (k = 0; k < 4; k++)
		free_strv(lv[k], nlv[k]);
	return rc;
}

/*
 * The cursor files for (endpoint, bucket, prefix): DIR/BUCKET.HASH.committed
 * and DIR/BUCKET.HASH.pending, HASH the first 16 hex digits of the SHA-256
 * of "ENDPOINT\nBUCKET\nPREFIX" (ENDPOINT as scheme://host[:port]).  The
 * file holds the key, raw.
 */
static int
cursor_paths(const char *bucket, const char *prefix, char **committed,
    char **pending)
{
	char *dir, *id, hex[65];
	size_t n;

	if ((dir = state_dir()) == NULL)
		return -1;
	n = strlen(cfg.scheme) + strlen(cfg.host) + strlen(bucket) +
	    strlen(prefix) + 8;
	id = xmalloc(n);
	snprintf(id, n, "%s://%s\n%s\n%s", cfg.scheme, cfg.host, bucket,
	    prefix);
	sigv4_sha256_hex(id, strlen(id), hex);
	free(id);
	hex[16] = '\0';
	n = strlen(dir) + strlen(bucket) + 40;
	*committed = xmalloc(n);
	*pending = xmalloc(n);
	snprintf(*committed, n, "%s/%s.%s.committed", dir, bucket, hex);
	snprintf(*pending, n, "%s/%s.%s.pending", dir, bucket, hex);
	free(dir);
	return 0;
}

static int
do_commit(const char *url, const char *bucket, const char *prefix)
{
	char *c, *p;
	int rc = 0;

	if (cursor_paths(bucket, prefix, &c, &p) == -1) {
		warn("%s: state directory", url);
		return 1;
	}
	if (state_promote(p, c) == -1 && errno != ENOENT) {
		warn("%s: %s", url, p);
		rc = 1;
	} else if (vflag)
		fprintf(stderr, "s3ls: %s: committed\n", url);
	free(c);
	free(p);
	return rc;
}

static int
do_list(const char *url, const char *bucket, const char *prefix,
    const char *since)
{
	char err[S3_ERRLEN], f[6][5], *cur = NULL, *cpath = NULL, *ppath = NULL;
	size_t clen;
	int nf, rc;

	free(lastkey);
	lastkey = NULL;
	nlisted = 0;
	if (since != NULL && strcmp(since, "last") == 0) {
		if (cursor_paths(bucket, prefix, &cpath, &ppath) == -1) {
			warn("%s: state directory", url);
			return 1;
		}
		if ((cur = state_read(cpath, &clen)) == NULL &&
		    errno != ENOENT) {
			warn("%s: %s", url, cpath);
			free(cpath);
			free(ppath);
			return 1;
		}
		if (cur != NULL && strlen(cur) != clen) {
			warnx("%s: %s: a NUL in the cursor", url, cpath);
			rc = 1;
			goto out;
		}
		if (vflag)
			fprintf(stderr, "s3ls: %s: cursor %s\n", url,
			    cur ? cur : "(none)");
		rc = list(bucket, prefix, cur, NULL, 1, 0, NULL, NULL, NULL,
		    err, sizeof(err));
	} else if (since != NULL && (nf = parse_date(since, f)) > 0)
		rc = since_date(bucket, prefix, f, nf, err, sizeof(err));
	else
		rc = list(bucket, prefix, since, NULL, 1, 0, NULL, NULL, NULL,
		    err, sizeof(err));
	if (rc == -1) {
		warnx("%s: %s", url, err);
		rc = 1;
		goto out;
	}
	if (ppath != NULL) {
		/*
		 * The pending cursor is written only once everything listed
		 * has left the process; s3ls --commit promotes it when the
		 * whole pipeline has succeeded.
		 */
		out_flush();
		if (lastkey != NULL) {
			if (state_write(ppath, lastkey, strlen(lastkey)) == -1) {
				warn("%s: %s", url, ppath);
				rc = 1;
			}
		} else if (unlink(ppath) == -1 && errno != ENOENT) {
			warn("%s: %s", url, ppath);
			rc = 1;
		}
	}
out:
	free(cur);
	free(cpath);
	free(ppath);
	return rc;
}

int
main(int argc, char *argv[])
{
	int cfgrc;
	static const struct option lopts[] = {
		{ "commit", no_argument, NULL, 'C' },
		{ "since", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 }
	};
	char err[S3_ERRLEN], *bucket, *prefix;
	const char *since = NULL;
	int ch, Aflag = 0, commit = 0, rc = 0, i;

	switch (std_option(argc, argv)) {
	case 'h':
		fputs(help, stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	case 'V':
		printf("s3ls %s\n", s3logs_version);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	out_init();
	while ((ch = getopt_long(argc, argv, "0Alv", lopts, NULL)) != -1)
		switch (ch) {
		case '0':
			zflag = 1;
			sep = '\0';
			break;
		case 'A':
			Aflag = 1;
			break;
		case 'C':
			commit = 1;
			break;
		case 'S':
			since = optarg;
			break;
		case 'l':
			lflag = 1;
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc == 0 || (commit && since != NULL))
		usage();
	if (since != NULL && *since == '\0')
		errx(2, "--since: empty argument");
	if ((maxkeys = getenv("S3LOGS_MAX_KEYS")) != NULL && *maxkeys == '\0')
		maxkeys = NULL;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* --commit needs only the endpoint, which names the cursor. */
	/* -2: a credential source failed (exit 1); -1: configuration. */
	if ((cfgrc = s3_config_load(&cfg, Aflag || commit, err, sizeof(err))) != 0)
		errx(cfgrc == -2 ? 1 : 2, "%s", err);
	if (vflag) {
		cfg.trace = trace;
		fprintf(stderr, "s3ls: endpoint %s://%s, region %s, "
		    "credentials from %s\n", cfg.scheme, cfg.host, cfg.region,
		    cfg.cred_source);
	}
	s3_client_init(&cl, &cfg);
	for (i = 0; i < argc; i++) {
		if (s3_url_split(argv[i], &bucket, &prefix) == -1) {
			warnx("%s: not an s3://bucket/prefix URL", argv[i]);
			rc = 1;
			continue;
		}
		if (commit ? do_commit(argv[i], bucket, prefix) :
		    do_list(argv[i], bucket, prefix, since))
			rc = 1;
		free(bucket);
		free(prefix);
	}
	free(lastkey);
	s3_client_free(&cl);
	s3_config_free(&cfg);
	curl_global_cleanup();
	out_close();
	return rc;
}
