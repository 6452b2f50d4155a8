/* See LICENSE file for copyright and license details. */
/*
 * ENCODE metadata, optional, from encodefetch's tables when present: each
 * file's accession, experiment, assay, lab and award, and the groups of
 * files they make (experiments, labs, awards) with their pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg.h"
#include "report.h"
#include "util.h"

/* A row of datasets, labs or awards. */
struct meta {
	const char *name, *title, *extra, *assay, *lab, *award;
};
static struct meta *dsmeta, *labmeta, *awmeta;	/* sorted by name */
static size_t	 ndsmeta, nlabmeta, nawmeta;

/* By name, for qsort and bsearch. */
static int
cmpmeta(const void *a, const void *b)
{
	return strcmp(((const struct meta *)a)->name,
	    ((const struct meta *)b)->name);
}

/* The row of m[0..n) named name, or NULL. */
static struct meta *
findmeta(struct meta *m, size_t n, const char *name)
{
	struct meta k;

	if (name == NULL || n == 0)
		return NULL;
	k.name = name;
	return bsearch(&k, m, n, sizeof(*m), cmpmeta);
}

/* SELECT name, title, extra, assay, lab, award FROM table: into m. */
static struct meta *
loadmeta(const char *table, const char *const *namec,
    const char *const *titlec, const char *const *extrac,
    const char *const *assayc, const char *const *labc,
    const char *const *awardc, size_t *np)
{
	char sql[1024], c[6][128];
	struct meta *m;
	PGresult *r;
	size_t i, k;

	*np = 0;
	if (!relexists(table))
		return NULL;
	pickcol(table, "t", namec, c[0], sizeof(c[0]));
	if (strcmp(c[0], "NULL::text") == 0)
		return NULL;
	pickcol(table, "t", titlec, c[1], sizeof(c[1]));
	pickcol(table, "t", extrac, c[2], sizeof(c[2]));
	pickcol(table, "t", assayc, c[3], sizeof(c[3]));
	pickcol(table, "t", labc, c[4], sizeof(c[4]));
	pickcol(table, "t", awardc, c[5], sizeof(c[5]));
	/* table is one of our constants, checked by relexists(). */
	snprintf(sql, sizeof(sql), "SELECT %s, %s, %s, %s, %s, %s FROM %s t"
	    " WHERE %s IS NOT NULL", c[0], c[1], c[2], c[3], c[4], c[5], table,
	    c[0]);
	r = kept(query(table, sql, 0, NULL));
	m = xcalloc((size_t)pg_nrows(r) + 1, sizeof(*m));
	for (i = k = 0; i < (size_t)pg_nrows(r); i++) {
		m[k].name = pg_value(r, (int)i, 0);
		m[k].title = pg_value(r, (int)i, 1);
		m[k].extra = pg_value(r, (int)i, 2);
		m[k].assay = pg_value(r, (int)i, 3);
		m[k].lab = pg_value(r, (int)i, 4);
		m[k].award = pg_value(r, (int)i, 5);
		k++;
	}
	qsort(m, k, sizeof(*m), cmpmeta);
	*np = k;
	return m;
}

/*
 * The columns each datum may be in, first found first: the ENCODE tables
 * are another program's and may differ in detail (pickcol).
 */
static const char *const c_acc[] = { "accession", "file_accession", NULL };
static const char *const c_dsacc[] = { "dataset_accession", "dataset",
    "experiment", NULL };
static const char *const c_assay[] = { "assay_title", "assay_term_name",
    NULL };
static const char *const c_lab[] = { "lab_name", "lab", NULL };
static const char *const c_award[] = { "award_name", "award", NULL };
static const char *const c_format[] = { "file_format", "file_type", NULL };
static const char *const c_otype[] = { "output_type", NULL };
static const char *const c_name[] = { "name", NULL };
static const char *const c_title[] = { "title", NULL };
static const char *const c_desc[] = { "biosample_summary", "description",
    NULL };
static const char *const c_bios[] = { "target_label",
    "biosample_term_name", NULL };
static const char *const c_inst[] = { "institute_label", "institute_name",
    NULL };
static const char *const c_proj[] = { "project", "rfa", NULL };
static const char *const c_none[] = { NULL };

/*
 * The query of each file's accession and metadata: object_metadata when
 * encodefetch made it, else object_files and what files has of the
 * candidate columns.  The identifiers spliced in are our constants,
 * checked against the catalog (pickcol).
 */
static void
filesql(char *sql, size_t sz)
{
	char c[7][128];

	if (relexists("object_metadata")) {
		/*
		 * encodefetch's own join: lab and award of the dataset (a
		 * processed file's own lab is the pipeline's), assay too.
		 */
		snprintf(sql, sz, "SELECT object_id,"
		    " file_accession::text, dataset_accession::text,"
		    " assay_title::text, lab_name::text, award_name::text,"
		    " file_format::text, output_type::text"
		    " FROM object_metadata");
	} else if (relexists("files") && strcmp(pickcol("files", "f", c_acc,
	    c[0], sizeof(c[0])), "NULL::text") != 0) {
		pickcol("files", "f", c_dsacc, c[1], sizeof(c[1]));
		pickcol("files", "f", c_assay, c[2], sizeof(c[2]));
		pickcol("files", "f", c_lab, c[3], sizeof(c[3]));
		pickcol("files", "f", c_award, c[4], sizeof(c[4]));
		pickcol("files", "f", c_format, c[5], sizeof(c[5]));
		pickcol("files", "f", c_otype, c[6], sizeof(c[6]));
		snprintf(sql, sz, "SELECT x.object_id,"
		    " x.file_accession::text, %s, %s, %s, %s, %s, %s"
		    " FROM object_files x LEFT JOIN files f ON %s ="
		    " x.file_accession::text", c[1], c[2], c[3], c[4], c[5],
		    c[6], c[0]);
	} else
		snprintf(sql, sz, "SELECT x.object_id,"
		    " x.file_accession::text, NULL, NULL, NULL, NULL, NULL,"
		    " NULL FROM object_files x");
}

/*
 * Each file's accession and metadata, with what the file's dataset says
 * where the file says nothing.
 */
static void
loadfiles(void)
{
	char sql[1024];
	PGresult *r;
	struct obj *o;
	struct meta *m;
	int i, n;

	if (!relexists("object_files")) {
		vlog("no object_files view: files shown by key only");
		return;
	}
	filesql(sql, sizeof(sql));
	r = kept(query("object_files", sql, 0, NULL));
	n = pg_nrows(r);
	for (i = 0; i < n; i++) {
		if ((o = findobj((int)pg_int(r, i, 0))) == NULL ||
		    o->acc != NULL)
			continue;
		o->acc = pg_value(r, i, 1);
		o->exp = pg_value(r, i, 2);
		/* "/experiments/ENCSR000AAA/" -> "ENCSR000AAA" */
		if (o->exp != NULL && o->exp[0] == '/') {
			const char *s = o->exp + strlen(o->exp);
			char *t;

			while (s > o->exp && s[-1] == '/')
				s--;
			while (s > o->exp && s[-1] != '/')
				s--;
			t = xstrdup(s);
			t[strcspn(t, "/")] = '\0';
			o->exp = o->expbuf = t;
		}
		o->assay = pg_value(r, i, 3);
		o->lab = pg_value(r, i, 4);
		o->award = pg_value(r, i, 5);
		o->format = pg_value(r, i, 6);
		o->otype = pg_value(r, i, 7);
		if ((m = findmeta(dsmeta, ndsmeta, o->exp)) != NULL) {
			if (o->assay == NULL)
				o->assay = m->assay;
			if (o->lab == NULL)
				o->lab = m->lab;
			if (o->award == NULL)
				o->award = m->award;
		}
	}
}
/* A file of a group, for sorting. */
struct gkey {
	const char *name;
	size_t	 obj;
};

/* By group name, then by the file's rank. */
static int
cmpgkey(const void *a, const void *b)
{
	const struct gkey *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return (x->obj > y->obj) - (x->obj < y->obj);
}

/* Most downloads first, then by name: a total order. */
static int
cmpgroupdl(const void *a, const void *b)
{
	const struct group *x = a, *y = b;

	if (x->dl != y->dl)
		return (x->dl < y->dl) - (x->dl > y->dl);
	return strcmp(x->name, y->name);
}

/*
 * Distinct downloaders of each group: the union of its files' daily hll
 * sets, in one query (days x files rows).  The (file, group) mapping goes
 * in as two array parameters.
 */
static void
groupuniq(struct group *g, size_t ng)
{
	struct html_buf ids = { 0 }, gs = { 0 };
	const char *p[2];
	PGresult *r;
	size_t i, j;

	if (ng == 0)
		return;
	html_puts(&ids, "{");
	html_puts(&gs, "{");
	for (i = 0; i < ng; i++)
		for (j = 0; j < g[i].nobj; j++) {
			html_printf(&ids, "%s%d", ids.n > 1 ? "," : "",
			    rep.objs[g[i].objs[j]].id);
			html_printf(&gs, "%s%zu", gs.n > 1 ? "," : "", i);
		}
	html_puts(&ids, "}");
	html_puts(&gs, "}");
	p[0] = ids.p;
	p[1] = gs.p;
	r = query("daily_object", "SELECT m.g,"
	    " hll_cardinality(hll_union_agg(d.downloaders))"
	    " FROM unnest($1::int[], $2::int[]) AS m(object_id, g)"
	    " JOIN daily_object d USING (object_id) GROUP BY m.g", 2, p);
	for (i = 0; i < (size_t)pg_nrows(r); i++) {
		j = (size_t)pg_int(r, (int)i, 0);
		if (j < ng)
			g[j].clients = pg_double(r, (int)i, 1);
	}
	pg_clear(r);
	html_free(&ids);
	html_free(&gs);
}

/*
 * The groups of the files by experiment (field 0), lab (1) or award (2),
 * with the titles of the metadata m[0..nm), most downloaded first.
 */
static struct group *
buildgroups(size_t field, struct meta *m, size_t nm, size_t *np)
{
	struct gkey *k;
	struct group *g = NULL;
	struct meta *mm;
	size_t i, j, n = 0, ng = 0, x;

	k = xcalloc(rep.nobjs + 1, sizeof(*k));
	for (i = 0; i < rep.nobjs; i++) {
		const char *s = field == 0 ? rep.objs[i].exp : field == 1 ?
		    rep.objs[i].lab : rep.objs[i].award;

		if (s != NULL && *s != '\0') {
			k[n].name = s;
			k[n++].obj = i;
		}
	}
	qsort(k, n, sizeof(*k), cmpgkey);
	for (i = 0; i < n; i = j) {
		struct group *q;

		for (j = i; j < n && strcmp(k[j].name, k[i].name) == 0; j++)
			;
		g = xreallocarray(g, ng + 1, sizeof(*g));
		q = &g[ng++];
		memset(q, 0, sizeof(*q));
		q->name = k[i].name;
		safename(q->name, q->page, sizeof(q->page));
		if ((mm = findmeta(m, nm, q->name)) != NULL) {
			q->title = mm->title;
			q->extra = mm->extra;
			q->assay = mm->assay;
		}
		q->objs = xcalloc(j - i, sizeof(*q->objs));
		for (x = i; x < j; x++) {
			struct obj *o = &rep.objs[k[x].obj];

			q->objs[q->nobj++] = k[x].obj;
			q->dl += o->dl;
			q->bytes += o->bytes;
		}
	}
	free(k);
	groupuniq(g, ng);
	/*
	 * The union's estimate, within what the exact numbers allow: at
	 * least the files' own largest count, at most the downloads.
	 */
	for (i = 0; i < ng; i++) {
		for (x = 0; x < g[i].nobj; x++)
			if (g[i].clients < rep.objs[g[i].objs[x]].uniq)
				g[i].clients = rep.objs[g[i].objs[x]].uniq;
		if (g[i].clients > (double)g[i].dl)
			g[i].clients = (double)g[i].dl;
	}
	if (g != NULL)
		qsort(g, ng, sizeof(*g), cmpgroupdl);
	*np = ng;
	return g;
}

/* The group of that name in g, or NULL. */
struct group *
findgroup(struct group *g, size_t n, const char *name)
{
	size_t i;

	/* Linear, but only called for a page's handful of links. */
	for (i = 0; name != NULL && i < n; i++)
		if (strcmp(g[i].name, name) == 0)
			return &g[i];
	return NULL;
}
/* A group page's subtitle: "Experiment: TF ChIP-seq, K562, ARID3A". */
static void
groupsub(struct html_buf *sub, const char *what, const struct group *q)
{
	html_puts(sub, what);
	if (q->assay == NULL && q->title == NULL)
		return;
	html_puts(sub, ": ");
	if (q->assay != NULL)
		html_printf(sub, "%s%s", q->assay, q->title ? ", " : "");
	if (q->title != NULL)
		html_puts(sub, q->title);
	if (q->extra != NULL && q->assay != NULL)
		html_printf(sub, ", %s", q->extra);
}

/* A group's chart: its files' daily downloads together. */
static void
groupchart(const struct group *q)
{
	struct day *d;
	size_t j, nd;

	for (j = nd = 0; j < q->nobj; j++)
		nd += rep.objs[q->objs[j]].days.n;
	d = xcalloc(nd + 1, sizeof(*d));
	for (j = nd = 0; j < q->nobj; j++) {
		struct obj *o = &rep.objs[q->objs[j]];

		memcpy(d + nd, rep.odays + o->days.off, o->days.n * sizeof(*d));
		nd += o->days.n;
	}
	chart("Downloads over time", &rep.bins, d, nd, NULL);
	free(d);
}

/*
 * A page for each group of g, in the directory dir: what names the kind
 * of group on the page, kind in the portal's URLs.
 */
void
grouppages(const char *dir, const char *what, const char *kind,
    struct group *g, size_t ng)
{
	char rel[128];
	size_t i;
	char *ext;

	for (i = 0; i < ng; i++) {
		struct group *q = &g[i];
		struct html_buf sub = { 0 };

		groupsub(&sub, what, q);
		begin(q->name, sub.p, 1);
		html_free(&sub);
		html_puts(&rep.html, "<div class=\"tiles\">\n");
		tilenum("Downloads", q->dl);
		tileest("Unique downloaders", q->clients, 1);
		tilenum("Files downloaded", (long long)q->nobj);
		tilebytes("Bytes sent", (double)q->bytes);
		html_puts(&rep.html, "</div>\n");
		groupchart(q);
		info_begin("General information");
		info(what, q->name, NULL, ext = portal(kind, q->name));
		free(ext);
		if (q->title != NULL)
			info("Title", q->title, NULL, NULL);
		if (q->extra != NULL)
			info("Details", q->extra, NULL, NULL);
		info_end();
		snprintf(rel, sizeof(rel), "%s/%s.tsv", dir, q->page);
		objtable("Files", rel, q->objs, q->nobj, LISTMAX);
		snprintf(rel, sizeof(rel), "%s/%s.html", dir, q->page);
		finish(rel);
	}
}

/* The list page rel of the groups g, whose pages are in dir. */
void
grouplist(const char *rel, const char *title, const char *dir,
    const char *what, struct group *g, size_t ng)
{
	char tsvrel[64];
	size_t i;

	begin(title, ng == 0 ? "No ENCODE metadata loaded (encodefetch "
	    "files | pgload -t files): files are shown by key only." : NULL, 0);
	snprintf(tsvrel, sizeof(tsvrel), "%.*s.tsv",
	    (int)(strlen(rel) - 5), rel);
	tab_begin(NULL, tsvrel, "#Rank", what, "Title", "#Files",
	    "#Downloads", "#\xe2\x89\x88 Unique downloaders", "#Bytes sent",
	    NULL);
	for (i = 0; i < ng; i++) {
		row_begin();
		cell_num((long long)i + 1);
		cell_link(g[i].name, rlink("%s/%s.html", dir, g[i].page));
		cell_text(g[i].title);
		cell_num((long long)g[i].nobj);
		cell_num(g[i].dl);
		cell_num((long long)(g[i].clients + 0.5));
		cell_bytes(g[i].bytes);
		row_end();
	}
	tab_end(ng, ng);
	finish(rel);
}


/*
 * The ENCODE metadata and the groups of files it makes; without it, each
 * file shows by its key and there are no groups.
 */
void
loadencode(void)
{
	dsmeta = loadmeta("datasets", c_acc, c_desc, c_bios, c_assay, c_lab,
	    c_award, &ndsmeta);
	labmeta = loadmeta("labs", c_name, c_title, c_inst, c_none, c_none,
	    c_none, &nlabmeta);
	awmeta = loadmeta("awards", c_name, c_title, c_proj, c_none, c_none,
	    c_none, &nawmeta);
	loadfiles();
	rep.exps = buildgroups(0, dsmeta, ndsmeta, &rep.nexps);
	rep.labgs = buildgroups(1, labmeta, nlabmeta, &rep.nlabs);
	rep.awards = buildgroups(2, awmeta, nawmeta, &rep.nawards);
}

static void
freegroups(struct group *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(g[i].objs);
	free(g);
}

void
encode_free(void)
{
	freegroups(rep.exps, rep.nexps);
	freegroups(rep.labgs, rep.nlabs);
	freegroups(rep.awards, rep.nawards);
	free(dsmeta);
	free(labmeta);
	free(awmeta);
}
