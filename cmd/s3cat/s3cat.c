/* See LICENSE file for copyright and license details. */
#include <sys/time.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "http.h"
#include "out.h"
#include "s3.h"
#include "util.h"

/*
 * Objects are fetched over one curl multi handle with at most jobs
 * transfers at a time, and written in input order.  The job at the head
 * of the queue streams straight to stdout (so a 1 GB object is never held
 * whole); the jobs behind it keep up to MEMCAP bytes each in memory and
 * spill the rest to an unlinked temporary file, then drain to stdout when
 * they reach the head.  The queue holds at most 2*jobs objects, so memory
 * stays within about 2*jobs*MEMCAP however large the objects are.
 */
#define MEMCAP		(1024 * 1024)

/*
 * Emptied object buffers (at most NSPARE, of at most 4*MEMCAP each), for
 * the next jobs: one that grows to an object's size and is freed for every
 * object would have its pages faulted in and its bytes copied by realloc()
 * again for each (half of s3cat's CPU time on 600 KB objects, by perf).
 */
#define NSPARE	16
static struct buf spare[NSPARE];
static size_t nspare;

#define ERRBODYCAP	(64 * 1024)

enum jstate { J_QUEUED, J_RUNNING, J_WAITING, J_OK, J_FAIL };

struct job {
	char		*url, *bucket, *key;
	enum jstate	 state;
	int		 head;		/* at the head: stream to stdout */
	CURL		*h;
	struct curl_slist *hdr;
	char		*requrl;
	char		 range[48];
	char		 ifmatch[96];
	/* current attempt */
	long		 status;
	long long	 skip;		/* bytes to drop (a 200 to a Range) */
	long long	 crstart;	/* Content-Range start, -1 if none */
	long long	 crtotal;
	long long	 clen;
	char		 rtag[80];
	struct buf	 errbody;
	char		 cerr[CURL_ERROR_SIZE];
	/* whole object */
	long long	 total;		/* -1 until the first 2xx tells */
	long long	 got;		/* bytes accepted so far */
	long long	 written;	/* of which already on stdout */
	char		 etag[80];
	EVP_MD_CTX	*md5;
	struct buf	 mem;		/* buffered while not at the head */
	FILE		*spill;
	int		 attempts;	/* failed attempts without progress */
	int		 redirects;	/* to the bucket's region */
	char		 bregion[32];	/* x-amz-bucket-region */
	long long	 progress_mark;
	double		 retry_at;
	char		 err[1024];
};

static struct s3_config cfg;
static struct s3_client rcl;	/* a HEAD for a bucket's region */
static CURLM	*multi;
static int	 vflag, njobs = 8, rc;
static char	 sep = '\n';
static struct job **q;		/* ring of pending jobs, input order */
static size_t	 qcap, qhead, qlen;
static int	 active;
static CURL	**pool;
static size_t	 npool;

/* input */
static char	**operands;
static int	 noperands, nextop;
static int	 use_stdin, in_eof;
static struct buf inbuf;
static size_t	 inoff;

/* --help: the synopsis and one line per option, on stdout. */
static const char help[] =
	"usage: s3cat [-0Av] [-j jobs] [url ...]\n"
	"  -0                  input URLs are NUL-terminated\n"
	"  -A                  anonymous: unsigned requests\n"
	"  -j jobs             transfers at a time, 1 to 256 (default 8)\n"
	"  -v                  trace the endpoint, credential source and requests\n"
	"  --help              print this and exit\n"
	"  --version           print the version and exit\n";

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: s3cat [-0Av] [-j jobs] [url ...]\n");
	exit(2);
}

/* Monotonic seconds. */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Whether etag is a quoted MD5 (not a multipart ETag) to check the body
 * against.
 */
static int
plain_md5(const char *etag)
{
	size_t i;

	if (strlen(etag) != 34 || etag[0] != '"' || etag[33] != '"')
		return 0;
	for (i = 1; i < 33; i++)
		if (!isxdigit((unsigned char)etag[i]))
			return 0;
	return 1;
}

/* Hand n bytes of the object to stdout or to the job's buffer. */
static void
deliver(struct job *j, const char *p, size_t n)
{
	EVP_DigestUpdate(j->md5, p, n);
	j->got += (long long)n;
	if (j->head) {
		out_write(p, n);
		j->written += (long long)n;
		return;
	}
	if (j->spill == NULL && j->mem.len + n > MEMCAP) {
		const char *td = getenv("TMPDIR");
		char *path;
		int fd;

		path = s3_fmt("%s/s3cat.XXXXXX", td && *td ? td : "/tmp");
		if ((fd = mkstemp(path)) == -1 ||
		    (j->spill = fdopen(fd, "w+")) == NULL)
			err(1, "%s", path);
		unlink(path);
		free(path);
	}
	if (j->spill != NULL) {
		if (fwrite(p, 1, n, j->spill) != n)
			err(1, "temporary file");
	} else {
		if (j->mem.p == NULL && nspare > 0)
			j->mem = spare[--nspare];
		buf_add(&j->mem, p, n);
	}
}

/* curl write callback: the body past what was taken, or an error body. */
static size_t
on_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct job *j = arg;
	size_t n = size * nmemb;

	if (j->status < 200 || j->status > 299) {
		if (j->errbody.len < ERRBODYCAP)
			buf_add(&j->errbody, p, n);
		return n;
	}
	if (j->skip > 0) {
		size_t s = (long long)n < j->skip ? n : (size_t)j->skip;

		j->skip -= (long long)s;
		p += s;
		n -= s;
		if (n == 0)
			return size * nmemb;
	}
	if (j->total >= 0 && j->got + (long long)n > j->total) {
		/* More than Content-Length said: refuse, never write it. */
		snprintf(j->err, sizeof(j->err), "more bytes than the "
		    "%lld announced", j->total);
		return 0;
	}
	deliver(j, p, n);
	return size * nmemb;
}

/* curl header callback: the status, length, range and ETag of this attempt. */
static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct job *j = arg;
	struct http_header h;
	size_t n = size * nmemb;
	char *e;

	switch (http_header(p, n, &h)) {
	case HTTP_STATUS:
		j->status = h.status;
		j->crstart = -1;
		j->crtotal = -1;
		j->clen = -1;
		j->bregion[0] = '\0';
		j->rtag[0] = '\0';
		break;
	case HTTP_END:
		/* End of headers: settle what this response means. */
		if (j->status == 200) {
			j->skip = j->got;	/* a server that ignored Range */
			if (j->total < 0)
				j->total = j->clen;
			else if (j->clen >= 0 && j->clen != j->total) {
				snprintf(j->err, sizeof(j->err), "object "
				    "changed size during transfer");
				return 0;
			}
			if (j->etag[0] == '\0')
				snprintf(j->etag, sizeof(j->etag), "%s",
				    j->rtag);
		} else if (j->status == 206) {
			if (j->crstart != j->got || (j->total >= 0 &&
			    j->crtotal != j->total)) {
				snprintf(j->err, sizeof(j->err), "unexpected "
				    "Content-Range in a resumed transfer");
				return 0;
			}
			j->skip = 0;
		}
		break;
	case HTTP_FIELD:
		if (http_header_is(&h, "content-length"))
			j->clen = http_header_num(&h);
		else if (http_header_is(&h, "etag"))
			snprintf(j->rtag, sizeof(j->rtag), "%.*s", (int)h.len,
			    h.value);
		else if (http_header_is(&h, "x-amz-bucket-region"))
			snprintf(j->bregion, sizeof(j->bregion), "%.*s",
			    (int)h.len, h.value);
		else if (http_header_is(&h, "content-range") && h.len > 6 &&
		    strncmp(h.value, "bytes ", 6) == 0) {
			j->crstart = strtoll(h.value + 6, &e, 10);
			if ((e = memchr(h.value, '/', h.len)) != NULL)
				j->crtotal = strtoll(e + 1, NULL, 10);
		}
		break;
	}
	return n;
}

static void fail(struct job *, const char *);

/* Start an attempt of j (from byte j->got) on a free handle. */
static void
start(struct job *j)
{
	struct s3_request r;

	memset(&r, 0, sizeof(r));
	r.method = "GET";
	r.bucket = j->bucket;
	r.key = j->key;
	if (j->got > 0) {
		/* Resume from the first byte not yet taken. */
		snprintf(j->range, sizeof(j->range), "bytes=%lld-", j->got);
		s3_req_header(&r, "Range", j->range);
		if (j->etag[0] != '\0') {
			snprintf(j->ifmatch, sizeof(j->ifmatch), "%s",
			    j->etag);
			s3_req_header(&r, "If-Match", j->ifmatch);
		}
	}
	free(j->requrl);
	j->requrl = NULL;
	curl_slist_free_all(j->hdr);
	j->hdr = NULL;
	/* Temporary credentials are renewed before they expire. */
	if (s3_config_refresh(&cfg, j->err, sizeof(j->err)) == -1) {
		fail(j, j->err);
		return;
	}
	s3_prepare(&cfg, &r, &j->requrl, &j->hdr);
	if (npool == 0)
		errx(1, "internal error: no free handle");
	j->h = pool[--npool];
	curl_easy_reset(j->h);
	s3_easy_setup(&cfg, j->h);
	curl_easy_setopt(j->h, CURLOPT_URL, j->requrl);
	curl_easy_setopt(j->h, CURLOPT_HTTPHEADER, j->hdr);
	curl_easy_setopt(j->h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(j->h, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(j->h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(j->h, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
	j->cerr[0] = '\0';
	curl_easy_setopt(j->h, CURLOPT_ERRORBUFFER, j->cerr);
	j->status = 0;
	j->skip = 0;
	j->err[0] = '\0';
	buf_free(&j->errbody);
	j->state = J_RUNNING;
	active++;
	curl_multi_add_handle(multi, j->h);
}

/* Release j's buffered bytes (keeping a small buffer for the next job). */
static void
drop_buffers(struct job *j)
{
	if (j->mem.p != NULL && nspare < NSPARE && j->mem.cap <= 4 * MEMCAP) {
		j->mem.len = 0;
		spare[nspare++] = j->mem;
		memset(&j->mem, 0, sizeof(j->mem));
	} else
		buf_free(&j->mem);
	if (j->spill != NULL)
		fclose(j->spill);
	j->spill = NULL;
}

/* The object failed for good; explain what reached stdout. */
static void
fail(struct job *j, const char *why)
{
	char tmp[600];

	snprintf(tmp, sizeof(tmp), "%.560s", why);
	if (j->written > 0)
		snprintf(j->err, sizeof(j->err), "%s (%lld bytes already "
		    "written: output incomplete)", tmp, j->written);
	else
		snprintf(j->err, sizeof(j->err), "%s", tmp);
	drop_buffers(j);
	j->state = J_FAIL;
}

/* Schedule another attempt after a backoff, or fail j for good. */
static void
retry_or_fail(struct job *j, const char *why, int retryable)
{
	long ms;

	/* A resumed body that made progress starts its count over. */
	if (j->got > j->progress_mark) {
		j->progress_mark = j->got;
		j->attempts = 0;
	}
	if (!retryable || j->attempts >= cfg.retries) {
		char m[700];

		if (retryable && j->attempts > 0)
			snprintf(m, sizeof(m), "%.600s (after %d attempts)", why,
			    j->attempts + 1);
		else
			snprintf(m, sizeof(m), "%.600s", why);
		fail(j, m);
		return;
	}
	j->attempts++;
	ms = s3_backoff_ms(j->attempts);
	if (vflag)
		warnx("%s: %s; retry %d in %ld ms from byte %lld", j->url,
		    why, j->attempts, ms, j->got);
	j->retry_at = now() + (double)ms / 1000;
	j->state = J_WAITING;
}

/* A transfer of j ended with cc: decide ok, retry or fail. */
static void
done(struct job *j, CURLcode cc)
{
	char why[1024], *code = NULL, hex[33];
	unsigned char d[16];
	unsigned int dl = 16, i;
	long nconn = 0;

	/* -v says when a transfer did not reuse a kept-alive connection. */
	curl_easy_getinfo(j->h, CURLINFO_NUM_CONNECTS, &nconn);
	curl_multi_remove_handle(multi, j->h);
	pool[npool++] = j->h;
	j->h = NULL;
	active--;
	if (vflag)
		warnx("GET %s: %ld%s%s%s", j->requrl,
		    j->status, cc ? " " : "", cc ? curl_easy_strerror(cc) : "",
		    nconn > 0 ? " (new connection)" : "");
	if (j->err[0] != '\0') {
		/* Our own callbacks stopped the transfer. */
		snprintf(why, sizeof(why), "%s", j->err);
		fail(j, why);
		return;
	}
	if (cc != CURLE_OK) {
		s3_curl_error(cc, j->cerr, why, sizeof(why));
		retry_or_fail(j, why, s3_retryable(cc, 0, NULL));
		return;
	}
	if (j->status < 200 || j->status > 299) {
		s3_http_error(j->status, j->errbody.p, j->errbody.len, why,
		    sizeof(why), &code);
		/* The bucket is in another region: again, there, now. */
		if (j->redirects < 2 && s3_region_redirect(&rcl, j->bucket,
		    j->status, code, j->bregion, j->errbody.p,
		    j->errbody.len)) {
			free(code);
			j->redirects++;
			j->retry_at = now();
			j->state = J_WAITING;
			return;
		}
		retry_or_fail(j, why, s3_retryable(CURLE_OK, j->status, code));
		free(code);
		return;
	}
	if (j->total >= 0 && j->got < j->total) {
		snprintf(why, sizeof(why), "body cut at byte %lld of %lld",
		    j->got, j->total);
		retry_or_fail(j, why, 1);
		return;
	}
	if (plain_md5(j->etag)) {
		EVP_DigestFinal_ex(j->md5, d, &dl);
		for (i = 0; i < 16; i++)
			snprintf(hex + 2 * i, 3, "%02x", d[i]);
		if (strncasecmp(hex, j->etag + 1, 32) != 0) {
			snprintf(why, sizeof(why), "MD5 %s does not match ETag "
			    "%s", hex, j->etag);
			if (j->written == 0 && j->attempts < cfg.retries) {
				/* Nothing out yet: fetch it again whole. */
				drop_buffers(j);
				j->got = j->progress_mark = 0;
				j->total = -1;
				j->etag[0] = '\0';
				EVP_DigestInit_ex(j->md5, EVP_md5(), NULL);
			}
			retry_or_fail(j, why, j->got == 0);
			return;
		}
	}
	j->state = J_OK;
}

/* A job for one input URL. */
static struct job *
newjob(const char *url)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->url = xstrdup(url);
	j->total = -1;
	if ((j->md5 = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(j->md5, EVP_md5(), NULL) != 1)
		errx(1, "OpenSSL: no MD5");
	if (s3_url_split(url, &j->bucket, &j->key) == -1 || *j->key == '\0') {
		snprintf(j->err, sizeof(j->err), "not an s3://bucket/key URL");
		j->state = J_FAIL;
	} else
		j->state = J_QUEUED;
	return j;
}

static void
freejob(struct job *j)
{
	drop_buffers(j);
	buf_free(&j->errbody);
	EVP_MD_CTX_free(j->md5);
	curl_slist_free_all(j->hdr);
	free(j->requrl);
	free(j->url);
	free(j->bucket);
	free(j->key);
	free(j);
}

/* Move a job to the head: what it buffered goes out first. */
static void
promote(struct job *j)
{
	char buf[65536];
	size_t n;

	j->head = 1;
	if (j->state == J_FAIL)
		return;
	if (j->mem.len > 0)
		out_write(j->mem.p, j->mem.len);
	j->written += (long long)j->mem.len;
	if (j->spill != NULL) {
		rewind(j->spill);
		while ((n = fread(buf, 1, sizeof(buf), j->spill)) > 0) {
			out_write(buf, n);
			j->written += (long long)n;
		}
		if (ferror(j->spill))
			err(1, "temporary file");
	}
	drop_buffers(j);
}

/* The next item from the operands or the buffered stdin; NULL if none yet. */
static char *
next_item(void)
{
	char *p, *e;
	size_t n;

	if (!use_stdin) {
		if (nextop < noperands)
			return xstrdup(operands[nextop++]);
		in_eof = 1;
		return NULL;
	}
	for (;;) {
		p = inbuf.p + inoff;
		n = inbuf.len - inoff;
		e = n ? memchr(p, sep, n) : NULL;
		if (e == NULL) {
			if (!in_eof || n == 0)
				return NULL;
			/* a last item without its terminator */
			inoff = inbuf.len;
			return xstrndup(p, n);
		}
		inoff += (size_t)(e - p) + 1;
		if (e > p && sep == '\n' && e[-1] == '\r')
			e--;
		if (e == p)
			continue;	/* empty line */
		return xstrndup(p, (size_t)(e - p));
	}
}

/* Read what stdin has into inbuf; in_eof at its end. */
static void
read_stdin(void)
{
	char buf[65536];
	ssize_t r;

	if (inoff > 0 && inoff == inbuf.len) {
		inbuf.len = inoff = 0;
	} else if (inoff > 1024 * 1024) {
		memmove(inbuf.p, inbuf.p + inoff, inbuf.len - inoff);
		inbuf.len -= inoff;
		inoff = 0;
	}
	do
		r = read(0, buf, sizeof(buf));
	while (r == -1 && errno == EINTR);
	if (r == -1)
		err(1, "stdin");
	if (r == 0)
		in_eof = 1;
	else
		buf_add(&inbuf, buf, (size_t)r);
}

/* Fetch every item, at most njobs at a time, writing them in order. */
static void
run(void)
{
	struct curl_waitfd wfd;
	CURLMsg *m;
	struct job *j;
	size_t i, window = 2 * (size_t)njobs;
	double t, next;
	char *item;
	int running, left, nfd, timeout;

	qcap = window;
	q = xcalloc(qcap, sizeof(*q));
	for (;;) {
		/* Fill the window from the input. */
		while (qlen < window && (item = next_item()) != NULL) {
			j = newjob(item);
			free(item);
			q[(qhead + qlen++) % qcap] = j;
			if (qlen == 1)
				promote(j);
		}
		/* Pop finished jobs at the head, in order. */
		while (qlen > 0 && (q[qhead]->state == J_OK ||
		    q[qhead]->state == J_FAIL)) {
			j = q[qhead];
			if (j->state == J_FAIL) {
				warnx("%s: %s", j->url, j->err);
				rc = 1;
			}
			freejob(j);
			qhead = (qhead + 1) % qcap;
			if (--qlen > 0)
				promote(q[qhead]);
		}
		if (qlen == 0 && in_eof && inoff >= inbuf.len &&
		    nextop >= noperands)
			break;
		if (qlen == 0 && in_eof)
			continue;	/* more items are buffered */
		if (qlen == 0 && use_stdin) {
			/* Nothing in flight: just wait for input. */
			out_flush();
			read_stdin();
			continue;
		}
		/* Start what may start, head first. */
		t = now();
		next = t + 1;
		for (i = 0; i < qlen && active < njobs; i++) {
			j = q[(qhead + i) % qcap];
			if (j->state == J_QUEUED ||
			    (j->state == J_WAITING && j->retry_at <= t))
				start(j);
		}
		for (i = 0; i < qlen; i++) {
			j = q[(qhead + i) % qcap];
			if (j->state == J_WAITING && j->retry_at < next)
				next = j->retry_at;
		}
		curl_multi_perform(multi, &running);
		while ((m = curl_multi_info_read(multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE,
			    (char **)&j);
			done(j, m->data.result);
		}
		if (qlen > 0 && (q[qhead]->state == J_OK ||
		    q[qhead]->state == J_FAIL))
			continue;
		nfd = 0;
		if (use_stdin && !in_eof && qlen < window) {
			wfd.fd = 0;
			wfd.events = CURL_WAIT_POLLIN;
			wfd.revents = 0;
			nfd = 1;
		}
		/* Anything the head holds should not wait for a full buffer. */
		if (active == 0 || nfd)
			out_flush();
		timeout = (int)((next - now()) * 1000);
		if (timeout < 0)
			timeout = 0;
		if (active > 0 || nfd || timeout > 0)
			curl_multi_poll(multi, nfd ? &wfd : NULL, (unsigned)nfd,
			    timeout, NULL);
		if (nfd && wfd.revents)
			read_stdin();
	}
	free(q);
}

int
main(int argc, char *argv[])
{
	const char *ans;
	int cfgrc;
	char err[S3_ERRLEN];
	long long n;
	int ch, Aflag = 0;
	size_t i;

	if ((ans = std_answer(argc, argv, "s3cat", help)) != NULL)
		return fputs(ans, stdout) == EOF || fflush(stdout) == EOF;
	out_init();
	while ((ch = getopt(argc, argv, "0Aj:v")) != -1)
		switch (ch) {
		case '0':
			sep = '\0';
			break;
		case 'A':
			Aflag = 1;
			break;
		case 'j':
			if (parse_num(optarg, 1, 256, &n) == -1)
				errx(2, "-j %s: not a number in 1..256", optarg);
			njobs = (int)n;
			break;
		case 'v':
			vflag = 1;
			break;
		default:
			usage();
		}
	argc -= optind;
	argv += optind;
	operands = argv;
	noperands = argc;
	use_stdin = argc == 0 || (argc == 1 && strcmp(argv[0], "-") == 0);

	curl_global_init(CURL_GLOBAL_DEFAULT);
	/* -2: a credential source failed (exit 1); -1: configuration. */
	if ((cfgrc = s3_config_load(&cfg, Aflag, err, sizeof(err))) != 0)
		errx(cfgrc == -2 ? 1 : 2, "%s", err);
	if (vflag) {
		cfg.trace = warnx;
		warnx("endpoint %s://%s, region %s, credentials from %s",
		    cfg.scheme, cfg.host, cfg.region, cfg.cred_source);
	}
	s3_client_init(&rcl, &cfg);
	if ((multi = curl_multi_init()) == NULL)
		errx(1, "curl_multi_init failed");
	/* Connections live in the multi handle's cache, shared by all. */
	curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)njobs);
	/*
	 * The default cache size follows the number of handles added, which
	 * drops between transfers here: keep every connection instead.
	 */
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)njobs);
	pool = xcalloc((size_t)njobs, sizeof(*pool));
	for (i = 0; i < (size_t)njobs; i++)
		if ((pool[npool++] = curl_easy_init()) == NULL)
			errx(1, "curl_easy_init failed");
	run();
	for (i = 0; i < npool; i++)
		curl_easy_cleanup(pool[i]);
	free(pool);
	while (nspare > 0)
		buf_free(&spare[--nspare]);
	free(inbuf.p);
	curl_multi_cleanup(multi);
	s3_client_free(&rcl);
	s3_config_free(&cfg);
	curl_global_cleanup();
	out_close();
	return rc;
}
