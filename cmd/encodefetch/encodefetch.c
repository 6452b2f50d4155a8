/* See LICENSE file for copyright and license details. */
/*
 * encodefetch: ENCODE portal metadata as PostgreSQL COPY rows for
 * `pgload -t TYPE`.  One type per run; /search/ with limit=all, split into
 * date_created months so that each answer is bounded and can be retried
 * alone; a month counts only when its hits equal its "total" (sent after
 * @graph, so this also catches a cut-off stream), and its rows reach stdout
 * only then: they wait in an unlinked temporary file, so a retried month
 * never prints a row twice and memory stays small.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "day.h"
#include "encode.h"
#include "out.h"
#include "pgval.h"
#include "retry.h"
#include "util.h"

#define DEFAULT_BASE	"https://www.encodeproject.org"
#define MAXRATE		10.0	/* the portal's published limit, requests/s */
/*
 * Ranges in a row that fail (after their retries) before the run gives
 * up: a portal that is down would otherwise cost tries x backoff for
 * every month of history, hours for ENCODE.
 */
#define MAXFAILS	3

enum ckind {
	C_TEXT,		/* string (or number) as is */
	C_UUID,		/* 36-character uuid, else the hit is bad */
	C_INT,		/* integer (bigint), else \N */
	C_BOOLF,	/* boolean; absent = f (the schema default) */
	C_TSTZ,		/* ISO 8601 timestamp, else \N */
	C_DATE,		/* YYYY-MM-DD (of a timestamp), else \N */
	C_INTARR,	/* integer (int) array */
	C_TEXTARR,	/* text array */
	C_FIRST,	/* the first element of a list (or the scalar) */
	C_IDTYPE,	/* "/experiments/ENCSR1/" -> experiments */
	C_IDNAME,	/* "/experiments/ENCSR1/" -> ENCSR1 */
	C_S3BUCKET,	/* "s3://bucket/key" -> bucket */
	C_S3KEY		/* "s3://bucket/key" -> key */
};

/*
 * A column: the JSON path it comes from, and an optional fallback path
 * used only when the first is absent.  A fallback that looks like an @id
 * ("/labs/x/") gives its last segment: the portal returns links as @id
 * strings where it does not embed them.
 */
struct col {
	const char	*name;
	const char	*path;
	const char	*alt;
	enum ckind	 kind;
	int		 required;
};

struct type {
	const char	*name;		/* operand */
	const char	*search;	/* portal type */
	int		 bymonth;	/* split into date_created months */
	const struct col *cols;
	size_t		 ncols;
};

static const struct col filecols[] = {
	{ "accession", "accession", "external_accession", C_TEXT, 1 },
	{ "uuid", "uuid", NULL, C_UUID, 1 },
	{ "alternate_accessions", "alternate_accessions", NULL, C_TEXTARR, 0 },
	{ "s3_bucket", "s3_uri", NULL, C_S3BUCKET, 0 },
	{ "s3_key", "s3_uri", NULL, C_S3KEY, 0 },
	{ "status", "status", NULL, C_TEXT, 0 },
	{ "file_format", "file_format", NULL, C_TEXT, 0 },
	{ "file_format_type", "file_format_type", NULL, C_TEXT, 0 },
	{ "file_type", "file_type", NULL, C_TEXT, 0 },
	{ "output_type", "output_type", NULL, C_TEXT, 0 },
	{ "output_category", "output_category", NULL, C_TEXT, 0 },
	{ "assembly", "assembly", NULL, C_TEXT, 0 },
	{ "file_size", "file_size", NULL, C_INT, 0 },
	{ "md5sum", "md5sum", NULL, C_TEXT, 0 },
	{ "date_created", "date_created", NULL, C_TSTZ, 0 },
	{ "dataset_type", "dataset", NULL, C_IDTYPE, 0 },
	{ "dataset_accession", "dataset", NULL, C_IDNAME, 0 },
	{ "lab_name", "lab.name", "lab", C_TEXT, 0 },
	{ "award_name", "award.name", "award", C_TEXT, 0 },
	{ "biological_replicates", "biological_replicates", NULL, C_INTARR, 0 },
	{ "assay_title", "assay_title", NULL, C_TEXT, 0 },
	{ "assay_term_name", "assay_term_name", NULL, C_TEXT, 0 },
	{ "restricted", "restricted", NULL, C_BOOLF, 0 },
	{ "no_file_available", "no_file_available", NULL, C_BOOLF, 0 },
	{ "href", "href", NULL, C_TEXT, 0 },
};

static const struct col datasetcols[] = {
	{ "accession", "accession", "@id", C_TEXT, 1 },
	{ "dataset_type", "@id", NULL, C_IDTYPE, 0 },
	{ "object_type", "@type", NULL, C_FIRST, 0 },
	{ "status", "status", NULL, C_TEXT, 0 },
	{ "assay_title", "assay_title", NULL, C_TEXT, 0 },
	{ "assay_term_name", "assay_term_name", NULL, C_TEXT, 0 },
	{ "annotation_type", "annotation_type", NULL, C_TEXT, 0 },
	{ "reference_type", "reference_type", NULL, C_TEXT, 0 },
	{ "biosample_summary", "biosample_summary", NULL, C_TEXT, 0 },
	{ "biosample_term_name", "biosample_ontology.term_name", NULL, C_FIRST, 0 },
	{ "target_label", "target.label", NULL, C_FIRST, 0 },
	{ "lab_name", "lab.name", "lab", C_TEXT, 0 },
	{ "award_name", "award.name", "award", C_TEXT, 0 },
	{ "date_released", "date_released", NULL, C_DATE, 0 },
	{ "date_created", "date_created", NULL, C_TSTZ, 0 },
};

static const struct col labcols[] = {
	{ "name", "name", "@id", C_TEXT, 1 },
	{ "title", "title", NULL, C_TEXT, 0 },
	{ "pi_title", "pi.title", NULL, C_TEXT, 0 },
	{ "institute_label", "institute_label", NULL, C_TEXT, 0 },
	{ "institute_name", "institute_name", NULL, C_TEXT, 0 },
	{ "status", "status", NULL, C_TEXT, 0 },
};

static const struct col awardcols[] = {
	{ "name", "name", "@id", C_TEXT, 1 },
	{ "title", "title", NULL, C_TEXT, 0 },
	{ "project", "project", NULL, C_TEXT, 0 },
	{ "rfa", "rfa", NULL, C_TEXT, 0 },
	{ "viewing_group", "viewing_group", NULL, C_TEXT, 0 },
	{ "component", "component", NULL, C_TEXT, 0 },
	{ "status", "status", NULL, C_TEXT, 0 },
	{ "start_date", "start_date", NULL, C_DATE, 0 },
	{ "end_date", "end_date", NULL, C_DATE, 0 },
	{ "pi_title", "pi.title", NULL, C_TEXT, 0 },
	{ "pi_lab", "pi.lab.name", NULL, C_TEXT, 0 },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct type types[] = {
	{ "files", "File", 1, filecols, NELEM(filecols) },
	{ "datasets", "Dataset", 1, datasetcols, NELEM(datasetcols) },
	{ "labs", "Lab", 0, labcols, NELEM(labcols) },
	{ "awards", "Award", 0, awardcols, NELEM(awardcols) },
};

/* One column's value in the hit being read. */
struct val {
	struct buf b;
	int	 prio;		/* 0 unset, 1 from the fallback path, 2 from the path */
	int	 nelem;		/* array elements stored */
};

/* The sink: the hit being read and the temporary file rows wait in. */
struct rows {
	const struct type *t;
	struct val	*v;
	size_t		 nv;		/* values allocated: the most columns of any type used */
	struct buf	 id;		/* the hit's @id, for messages */
	FILE		*tmp;
	struct buf	 line;		/* the row being built */
	const char	*range;		/* for messages */
	unsigned long long nrows;
	int		 bad;		/* hits refused in this range */
	char		*err;
	size_t		 errlen;
};

static int vflag;
static unsigned backoff = 1;	/* seconds before the first retry */

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: encodefetch [-v] [-r tries] [-u base_url] [--backoff seconds] "
	"[--max-value bytes] [--since date] [--timeout seconds] type\n"
	"  -r tries            attempts per request (1 to 100, default 8)\n"
	"  -u base_url         the ENCODE portal\n"
	"  -v                  log each request to standard error\n"
	"  --backoff seconds   first retry delay\n"
	"  --max-value bytes   longest JSON value accepted\n"
	"  --since date        only objects created on or after date\n"
	"  --timeout seconds   longest a request may take (0: no limit)\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: encodefetch [-v] [-r tries] [-u base_url] "
	    "[--backoff seconds] [--max-value bytes] [--since date] "
	    "[--timeout seconds] type\n");
	exit(2);
}

/*
 * COPY text format: backslash, tab, newline and CR escaped.  A NUL (JSON
 * \u0000) cannot be stored in a PostgreSQL text value at all: dropped.
 */
static void
lput_esc(struct rows *r, const char *s, size_t n)
{
	size_t i, start;

	for (start = i = 0; i < n; i++) {
		const char *rep;

		switch (s[i]) {
		case '\\': rep = "\\\\"; break;
		case '\t': rep = "\\t"; break;
		case '\n': rep = "\\n"; break;
		case '\r': rep = "\\r"; break;
		case '\0': rep = ""; break;
		default: continue;
		}
		buf_add(&r->line, s + start, i - start);
		buf_puts(&r->line, rep);
		start = i + 1;
	}
	buf_add(&r->line, s + start, n - start);
}

/* Whether s is a uuid in its 36-character form. */
static int
isuuid(const char *s, size_t n)
{
	size_t i;

	if (n != 36)
		return 0;
	for (i = 0; i < n; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return 0;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f') || (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	}
	return 1;
}

/* The n-th (1-based) non-empty "/"-separated segment of s, or NULL. */
static const char *
segment(const char *s, size_t n, int which, size_t *seglen)
{
	size_t i = 0, start;
	int k = 0;

	while (i < n) {
		while (i < n && s[i] == '/')
			i++;
		start = i;
		while (i < n && s[i] != '/')
			i++;
		if (i > start && ++k == which) {
			*seglen = i - start;
			return s + start;
		}
	}
	return NULL;
}

/* "/labs/x/" -> "x" */
static const char *
lastsegment(const char *s, size_t n, size_t *seglen)
{
	size_t i;

	while (n > 0 && s[n - 1] == '/')
		n--;
	for (i = n; i > 0 && s[i - 1] != '/'; i--)
		;
	*seglen = n - i;
	return s + i;
}

/*
 * A value its column's type cannot hold: stored as NULL (left out of an
 * array), so that one bad value in the portal neither stops the nightly
 * load nor loses its object, and said on stderr with the object, field
 * and why (what happened to it).
 */
static void
badval(struct rows *r, const struct col *c, const char *s, size_t n,
    const char *why)
{
	char shown[48];
	size_t i;

	/* Enough of the value to recognise it, and no control characters. */
	for (i = 0; i < n && i < sizeof(shown) - 4; i++)
		shown[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (i < n) {
		memcpy(shown + i, "...", 3);
		i += 3;
	}
	shown[i] = '\0';
	warnx("%s %s: %.*s: %s: \"%s\": %s", r->t->name,
	    r->range, (int)r->id.len, r->id.p != NULL ? r->id.p : "?", c->name,
	    shown, why);
}

/* Keep value s of a leaf for column c (prio 2: its path, 1: the fallback). */
static void
store(struct rows *r, struct val *v, const struct col *c, int prio, int inarray,
    enum enc_kind kind, const char *s, size_t n)
{
	char q;

	if (kind == ENC_NULL)
		return;
	switch (c->kind) {
	case C_INTARR:
		if (kind != ENC_NUMBER)
			return;
		if (!pgval_int(s, n, 4)) {
			badval(r, c, s, n, "not an integer in the range of int, "
			    "left out");
			return;
		}
		if (v->nelem++ > 0)
			buf_add(&v->b, ",", 1);
		buf_add(&v->b, s, n);
		v->prio = prio;
		return;
	case C_TEXTARR:
		if (kind == ENC_BOOL || (!inarray && v->nelem > 0))
			return;
		if (v->nelem++ > 0)
			buf_add(&v->b, ",", 1);
		/* An array element in double quotes, " and \ escaped. */
		buf_add(&v->b, "\"", 1);
		for (; n > 0; s++, n--) {
			if (*s == '"' || *s == '\\')
				buf_add(&v->b, "\\", 1);
			q = *s;
			buf_add(&v->b, &q, 1);
		}
		buf_add(&v->b, "\"", 1);
		v->prio = prio;
		return;
	default:
		break;
	}
	/* Scalars: the first element of a list; the path beats its fallback. */
	if (prio < v->prio || (prio == v->prio && v->nelem > 0))
		return;
	if (prio == 1 && kind == ENC_STRING && n > 0 && s[0] == '/')
		s = lastsegment(s, n, &n);
	buf_reset(&v->b);
	buf_add(&v->b, s, n);
	v->prio = prio;
	v->nelem = 1;
}

/*
 * Forget the hit being read.  Also at the start of each attempt: a stream
 * cut off inside a hit leaves some of its values behind.
 */
static void
clear_hit(struct rows *r)
{
	size_t i;

	for (i = 0; i < r->nv; i++) {
		buf_reset(&r->v[i].b);
		r->v[i].prio = 0;
		r->v[i].nelem = 0;
	}
	buf_reset(&r->id);
}

/* enc_sink begin: a (new) attempt starts from an empty file. */
static int
sink_begin(void *arg)
{
	struct rows *r = arg;

	/* A retried attempt starts over: drop what the last one wrote. */
	if (fflush(r->tmp) == EOF || ftruncate(fileno(r->tmp), 0) == -1) {
		snprintf(r->err, r->errlen, "temporary file: %s", strerror(errno));
		return -1;
	}
	rewind(r->tmp);
	r->nrows = 0;
	r->bad = 0;
	clear_hit(r);
	return 0;
}

/* enc_sink leaf: store the value in every column that wants its path. */
static int
sink_leaf(void *arg, const char *path, int inarray, enum enc_kind kind,
    const char *s, size_t n)
{
	struct rows *r = arg;
	const struct col *c;
	size_t i;

	if (strcmp(path, "@id") == 0) {
		buf_reset(&r->id);
		buf_add(&r->id, s, n);
	}
	for (i = 0; i < r->t->ncols; i++) {
		c = &r->t->cols[i];
		if (strcmp(path, c->path) == 0)
			store(r, &r->v[i], c, 2, inarray, kind, s, n);
		else if (c->alt != NULL && strcmp(path, c->alt) == 0)
			store(r, &r->v[i], c, 1, inarray, kind, s, n);
	}
	return 0;
}

/* Append the COPY text of column c's value to the row. */
static void
emit(struct rows *r, const struct col *c, const struct val *v)
{
	const char *s = v->b.p, *p;
	size_t n = v->b.len, m;

	if (v->prio == 0) {
		if (c->kind == C_BOOLF)
			buf_add(&r->line, "f", 1);
		else
			buf_add(&r->line, "\\N", 2);
		return;
	}
	switch (c->kind) {
	case C_INT:
		if (pgval_int(s, n, 8))
			buf_add(&r->line, s, n);
		else {
			badval(r, c, s, n, "not an integer in the range of "
			    "bigint, loaded as NULL");
			buf_add(&r->line, "\\N", 2);
		}
		return;
	case C_BOOLF:
		buf_add(&r->line, n == 1 && (s[0] == 't' || s[0] == 'f') ? s : "\\N",
		    n == 1 && (s[0] == 't' || s[0] == 'f') ? 1 : 2);
		return;
	case C_TSTZ:
	case C_DATE:
		/* A date column takes the date of a timestamp. */
		if (!pgval_timestamp(s, n)) {
			badval(r, c, s, n, c->kind == C_DATE ? "not a date, "
			    "loaded as NULL" : "not a timestamp, loaded as NULL");
			buf_add(&r->line, "\\N", 2);
		} else
			lput_esc(r, s, c->kind == C_DATE ? 10 : n);
		return;
	case C_INTARR:
	case C_TEXTARR:
		buf_add(&r->line, "{", 1);
		lput_esc(r, s, n);
		buf_add(&r->line, "}", 1);
		return;
	case C_IDTYPE:
	case C_IDNAME:
		if (n == 0 || s[0] != '/' ||
		    (p = segment(s, n, c->kind == C_IDTYPE ? 1 : 2, &m)) == NULL)
			buf_add(&r->line, "\\N", 2);
		else
			lput_esc(r, p, m);
		return;
	case C_S3BUCKET:
	case C_S3KEY:
		if (n < 5 || memcmp(s, "s3://", 5) != 0 ||
		    (p = memchr(s + 5, '/', n - 5)) == NULL || p == s + 5 ||
		    p + 1 == s + n) {
			buf_add(&r->line, "\\N", 2);
			return;
		}
		if (c->kind == C_S3BUCKET)
			lput_esc(r, s + 5, p - (s + 5));
		else
			lput_esc(r, p + 1, s + n - (p + 1));
		return;
	default:
		lput_esc(r, s, n);
		return;
	}
}

/* enc_sink hit: the row of a complete hit, or a warning if it is bad. */
static int
sink_hit(void *arg)
{
	struct rows *r = arg;
	const struct col *c;
	size_t i;
	int ok = 1;

	for (i = 0; i < r->t->ncols; i++) {
		c = &r->t->cols[i];
		if (c->required && r->v[i].prio == 0) {
			warnx("%s %s: %.*s: no %s", r->t->name, r->range,
			    (int)r->id.len, r->id.p != NULL ? r->id.p : "?", c->name);
			ok = 0;
		} else if (c->kind == C_UUID && r->v[i].prio != 0 &&
		    !isuuid(r->v[i].b.p, r->v[i].b.len)) {
			warnx("%s %s: %.*s: bad %s", r->t->name, r->range,
			    (int)r->id.len, r->id.p != NULL ? r->id.p : "?", c->name);
			ok = 0;
		}
	}
	buf_reset(&r->line);
	for (i = 0; ok && i < r->t->ncols; i++) {
		if (i > 0)
			buf_add(&r->line, "\t", 1);
		emit(r, &r->t->cols[i], &r->v[i]);
	}
	if (ok) {
		buf_add(&r->line, "\n", 1);
		if (fwrite(r->line.p, 1, r->line.len, r->tmp) != r->line.len) {
			snprintf(r->err, r->errlen, "temporary file: %s",
			    strerror(errno));
			return -1;
		}
		r->nrows++;
	} else
		r->bad++;
	clear_hit(r);
	return 0;
}

/* Copy the rows of a complete range to stdout and empty the file. */
static int
flush_rows(struct rows *r)
{
	char buf[65536];
	size_t n;

	if (fflush(r->tmp) == EOF)
		return -1;
	rewind(r->tmp);
	while ((n = fread(buf, 1, sizeof(buf), r->tmp)) > 0)
		out_write(buf, n);
	if (ferror(r->tmp))
		return -1;
	out_flush();
	if (ftruncate(fileno(r->tmp), 0) == -1)
		return -1;
	rewind(r->tmp);
	return 0;
}

/*
 * One query, retried up to tries times with exponential backoff on
 * transient failures.  Returns the final status; on ENC_OK or ENC_EMPTY the
 * rows are in r->tmp.
 */
static enum enc_status
fetch(struct encode *e, const char *query, int expect_all, struct rows *r,
    int tries)
{
	struct enc_sink sink = { sink_begin, sink_leaf, sink_hit, r };
	enum enc_status st;
	long long total, hits;
	char err[512];
	unsigned delay;
	int i;

	r->err = err;
	r->errlen = sizeof(err);
	/* Nothing from an earlier failed range may leak into this one. */
	if (sink_begin(r) == -1)
		errx(1, "%s", err);
	for (i = 1; ; i++) {
		st = enc_search(e, query, expect_all, &sink, &total, &hits, err,
		    sizeof(err));
		if (vflag)
			warnx("GET /search/?%s: %s, %lld of %lld",
			    query, st == ENC_OK ? "ok" : st == ENC_EMPTY ?
			    "no results" : err, hits, total);
		if (st == ENC_OK || st == ENC_EMPTY || st == ENC_FAIL)
			break;
		if (i >= tries) {
			snprintf(err + strlen(err), sizeof(err) - strlen(err),
			    " (gave up after %d tries)", i);
			break;
		}
		/* Doubling from --backoff up to a minute. */
		delay = (unsigned)retry_ceiling(backoff, 60, i);
		warnx("%s %s: %s; retrying in %u s", r->t->name, r->range, err,
		    delay);
		sleep(delay);
	}
	if (st != ENC_OK && st != ENC_EMPTY)
		warnx("%s %s: %s", r->t->name, r->range, err);
	r->err = NULL;
	return st;
}

/* The query string of type t: its type, format and &field= list. */
static char *
fieldquery(const struct type *t)
{
	struct buf q = { 0 };
	char *esc;
	size_t i;

	buf_puts(&q, "type=");
	buf_puts(&q, t->search);
	buf_puts(&q, "&format=json");
	for (i = 0; i < t->ncols; i++) {
		const char *p[2] = { t->cols[i].path, t->cols[i].alt };
		int k;
		size_t j;

		for (k = 0; k < 2; k++) {
			int dup = 0;

			/* @id and @type always come; fallbacks through a link do not need asking. */
			if (p[k] == NULL || p[k][0] == '@' ||
			    (k == 1 && strchr(t->cols[i].path, '.') != NULL))
				continue;
			for (j = 0; j < i; j++)
				if (strcmp(t->cols[j].path, p[k]) == 0 ||
				    (t->cols[j].alt != NULL && strcmp(t->cols[j].alt, p[k]) == 0))
					dup = 1;
			if (k == 1 && strcmp(t->cols[i].path, p[k]) == 0)
				dup = 1;
			if (dup)
				continue;
			esc = enc_escape(p[k]);
			buf_puts(&q, "&field=");
			buf_puts(&q, esc);
			free(esc);
		}
	}
	return q.p;
}

/* A one-hit probe for the oldest or newest date_created: 1 ok, 0 none, -1 error. */
static int
probe(struct encode *e, const struct type *t, const char *sort, int tries,
    struct rows *r, int *y, int *m)
{
	static const struct col datecol[] = {
		{ "date_created", "date_created", NULL, C_TSTZ, 0 },
	};
	struct type pt = *t;
	char q[256], buf[64];
	enum enc_status st;
	size_t n;

	pt.cols = datecol;
	pt.ncols = 1;
	pt.name = t->name;
	r->t = &pt;
	r->range = sort[0] == '-' ? "(newest)" : "(oldest)";
	snprintf(q, sizeof(q), "type=%s&format=json&limit=1&sort=%s&field=date_created",
	    t->search, sort);
	st = fetch(e, q, 0, r, tries);
	r->t = t;
	if (st != ENC_OK && st != ENC_EMPTY)
		return -1;
	if (st == ENC_EMPTY)
		return 0;
	/* The probe's single row is "date\n" in the temporary file. */
	if (fflush(r->tmp) == EOF)
		return -1;
	rewind(r->tmp);
	n = fread(buf, 1, sizeof(buf) - 1, r->tmp);
	buf[n] = '\0';
	if (ftruncate(fileno(r->tmp), 0) == -1)
		return -1;
	rewind(r->tmp);
	if (n < 7 || sscanf(buf, "%4d-%2d", y, m) != 2 || *m < 1 || *m > 12)
		return 0;	/* the oldest object has no date_created */
	return 1;
}

/*
 * Fetch one range: 0 ok, 1 fetched but with hits refused, -1 not fetched
 * (after warning).
 */
static int
range(struct encode *e, const char *base, const char *filter, const char *label,
    int tries, struct rows *r)
{
	enum enc_status st;
	char *q;
	size_t n;
	int rc = 0;

	n = strlen(base) + strlen(filter) + 16;
	q = xmalloc(n);
	snprintf(q, n, "%s&limit=all%s", base, filter);
	r->range = label;
	st = fetch(e, q, 1, r, tries);
	free(q);
	if (st != ENC_OK && st != ENC_EMPTY)
		return -1;
	if (r->bad > 0)
		rc = 1;
	if (flush_rows(r) == -1)
		err(1, "temporary file");
	return rc;
}

/*
 * Count a range's outcome (range() or probe()): any failure fails the run,
 * and MAXFAILS ranges in a row that could not be fetched end it.
 */
static void
outcome(const struct type *t, int rc, int *failed)
{
	static int inarow;

	if (rc != 0)
		*failed = 1;
	if (rc != -1) {
		inarow = 0;
		return;
	}
	if (++inarow >= MAXFAILS)
		errx(1, "%s: giving up: %d ranges in a row failed", t->name,
		    inarow);
}

/* --since YYYY-MM-DD: 0 with y, m, d set, or -1. */
static int
parse_since(const char *s, int *y, int *m, int *d)
{
	long z, yy;

	if (strlen(s) != 10 || day_parse(s, 10, &z) == -1)
		return -1;
	day_to_civil(z, &yy, m, d);
	*y = (int)yy;
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *ans;
	static const struct option longopts[] = {
		{ "backoff", required_argument, NULL, 'B' },
		{ "max-value", required_argument, NULL, 'M' },
		{ "since", required_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 }
	};
	const struct type *t = NULL;
	const char *base = DEFAULT_BASE, *since = NULL, *tmpdir;
	struct encode *e;
	struct rows r;
	char errbuf[256], *fq, *tmpl, filter[128], label[64];
	long long tries = 8, timeout = 3600, maxvalue = 4 * 1024 * 1024, ll;
	size_t i;
	int ch, fd, failed = 0, have, y0, m0, d0 = 1, y1, m1, y, m;

	if ((ans = std_answer(argc, argv, "encodefetch", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	while ((ch = getopt_long(argc, argv, "r:u:v", longopts, NULL)) != -1)
		switch (ch) {
		case 'r':
			if (parse_num(optarg, 1, 100, &tries) == -1)
				errx(2, "-r %s: not a number of tries in 1..100", optarg);
			break;
		case 'u':
			base = optarg;
			break;
		case 'v':
			vflag = 1;
			break;
		case 'B':
			if (parse_num(optarg, 0, 3600, &ll) == -1)
				errx(2, "--backoff %s: not a number of seconds in 0..3600",
				    optarg);
			backoff = (unsigned)ll;
			break;
		case 'M':
			if (parse_num(optarg, 1024, 1LL << 30, &maxvalue) == -1)
				errx(2, "--max-value %s: not a number of bytes in "
				    "1024..1073741824", optarg);
			break;
		case 'S':
			since = optarg;
			break;
		case 'T':
			if (parse_num(optarg, 0, 1000000, &timeout) == -1)
				errx(2, "--timeout %s: not a number of seconds in "
				    "0..1000000", optarg);
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	for (i = 0; i < NELEM(types); i++)
		if (strcmp(argv[0], types[i].name) == 0)
			t = &types[i];
	if (t == NULL) {
		warnx("%s: unknown type (files, datasets, labs or awards)", argv[0]);
		usage();
	}
	if (since != NULL && parse_since(since, &y0, &m0, &d0) == -1)
		errx(2, "--since %s: not a date (YYYY-MM-DD)", since);
	if (strncmp(base, "http://", 7) != 0 && strncmp(base, "https://", 8) != 0)
		errx(2, "-u %s: not an http(s) URL", base);

	if ((tmpdir = getenv("TMPDIR")) == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	i = strlen(tmpdir);
	tmpl = xmalloc(i + sizeof("/encodefetch.XXXXXX"));
	memcpy(tmpl, tmpdir, i);
	memcpy(tmpl + i, "/encodefetch.XXXXXX", sizeof("/encodefetch.XXXXXX"));
	if ((fd = mkstemp(tmpl)) == -1)
		err(1, "%s", tmpl);
	unlink(tmpl);
	free(tmpl);
	memset(&r, 0, sizeof(r));
	r.t = t;
	if ((r.tmp = fdopen(fd, "w+")) == NULL)
		err(1, "fdopen");
	r.nv = t->ncols;
	r.v = xcalloc(r.nv, sizeof(*r.v));

	if ((e = enc_open(base, MAXRATE, getenv("ENCODE_ACCESS_KEY"),
	    getenv("ENCODE_SECRET_KEY"), errbuf, sizeof(errbuf))) == NULL)
		errx(1, "%s", errbuf);
	enc_setlimits(e, (long)timeout, (size_t)maxvalue);
	fq = fieldquery(t);

	if (!t->bymonth) {
		outcome(t, range(e, fq, "", "(all)", tries, &r), &failed);
		goto done;
	}
	/*
	 * Months from the oldest date_created (or --since) to the newest; the
	 * newest month's range is open-ended so that objects created during
	 * the crawl, or dated in the future, are not lost.  Objects with no
	 * date_created match no range and come in one more request.
	 */
	have = since != NULL;
	if (!have) {
		have = probe(e, t, "date_created", tries, &r, &y0, &m0);
		outcome(t, have == -1 ? -1 : 0, &failed);
		d0 = 1;
	}
	if (have == 1) {
		switch (probe(e, t, "-date_created", tries, &r, &y1, &m1)) {
		case -1:
			outcome(t, -1, &failed);
			have = 0;
			break;
		case 0:
			y1 = y0, m1 = m0;
			break;
		}
		if (y1 * 12 + m1 < y0 * 12 + m0)
			y1 = y0, m1 = m0;
	}
	for (y = y0, m = m0; have == 1 && y * 12 + m <= y1 * 12 + m1; ) {
		int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
		int last = y * 12 + m == y1 * 12 + m1;
		int d = y == y0 && m == m0 ? d0 : 1;

		if (last) {
			snprintf(filter, sizeof(filter),
			    "&date_created=gte:%04d-%02d-%02d", y, m, d);
			snprintf(label, sizeof(label), "[%04d-%02d-%02d, ...)", y, m, d);
		} else {
			snprintf(filter, sizeof(filter),
			    "&date_created=gte:%04d-%02d-%02d&date_created=lt:%04d-%02d-01",
			    y, m, d, ny, nm);
			snprintf(label, sizeof(label), "[%04d-%02d-%02d, %04d-%02d-01)",
			    y, m, d, ny, nm);
		}
		outcome(t, range(e, fq, filter, label, tries, &r), &failed);
		y = ny;
		m = nm;
	}
	outcome(t, range(e, fq, "&date_created%21=%2A", "(no date_created)",
	    tries, &r), &failed);
done:
	free(fq);
	enc_close(e);
	for (i = 0; i < r.nv; i++)
		buf_free(&r.v[i].b);
	free(r.v);
	buf_free(&r.id);
	buf_free(&r.line);
	fclose(r.tmp);
	out_close();
	return failed;
}
