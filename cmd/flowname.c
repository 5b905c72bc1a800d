/*
 * flowname - name the two files of every flow, as tcpflow does.
 *
 * flowname [-hV] [-F flags] [-T template]
 *
 * Every FLOW_OPEN passes through and is followed by two FLOW_NAME
 * records: dir 0 (A->B) and dir 1 (B->A).  Everything else passes
 * through unchanged, except FLOW_NAME records of flows named here
 * (a name given upstream is replaced).
 *
 * Connection counter (%c, %C, %#), as tcpflow: a direction gets the
 * lowest count whose name is not taken.  A name is taken once a
 * direction with that name carried data (tcpflow creates the file on
 * the first data byte), or while a live flow holds it.  Taken names are
 * remembered for the whole run as 64-bit seeded hashes.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_hash.h"
#include "fk_io.h"
#include "fk_name.h"
#include "fk_record.h"
#include "fk_stage.h"
#include "fk_util.h"

struct ndir {
	uint64_t hash;		/* hash of the name */
	uint64_t base;		/* hash of the count-0 name */
	uint32_t count;
	uint8_t committed;	/* carried data: the name is taken for good */
};

struct flow {
	struct fk_open open;
	struct ndir d[2];
};

static const char *tmpl = FK_NAME_TEMPLATE;
static int counts;		/* the template has %c or %# */
static int novlan;
static uint64_t session;

static struct fk_idmap flows;	/* flow_id -> struct flow */
/* name hash -> (live reservations << 1 | taken for good) */
static struct fk_idmap names;
/* count-0 name hash -> 1 + lowest count that may be free */
static struct fk_idmap lowest;

static struct {
	uint64_t flows, renamed, dropped_names;
} st;

static const struct fk_opthelp opthelp[] = {
	{ "-F flags", "tcpflow's file-name shorthands, one letter each" },
	{ "-T template",
	    "the file-name template (default %A.%a-%B.%b%V%v%C%c)" },
	{ "-V", "leave the VLAN id out of the names" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowname [-hV] [-F flags] [-T template]\n",
	.about = "Name each direction of each flow as tcpflow names its files.",
	.opts = opthelp,
	.vopt = 0,
};

static uint64_t
key(const char *s, size_t len)
{
	uint64_t h = fk_hash(s, len);

	return h ? h : 1;
}

/* The name of direction dir with connection count c. */
static int
mkname(char *buf, size_t len, const struct fk_open *o, int dir, uint32_t c)
{
	struct fk_name_vars v;
	int n;

	memset(&v, 0, sizeof(v));
	v.count = c;
	v.session = session;
	v.number = 2 * session + (unsigned)dir;
	v.novlan = novlan;
	n = fk_name_expand(buf, len, tmpl, o, dir, &v);
	if (n >= 0 && !counts && c > 0) {
		/* No counter in the template: append one, never reuse. */
		int k = snprintf(buf + n, len - (size_t)n, "c%u", c);

		if (k < 0 || (size_t)k >= len - (size_t)n)
			return -1;
		n += k;
	}
	return n;
}

static uintptr_t
name_state(uint64_t h)
{
	return (uintptr_t)fk_idmap_get(&names, h);
}

static void
name_set(uint64_t h, uintptr_t s)
{
	if (s == 0)
		fk_idmap_del(&names, h);
	else
		fk_idmap_put(&names, h, (void *)s);
}

static void
name_release(struct ndir *d)
{
	uintptr_t s = name_state(d->hash);

	if (s >= 2)
		name_set(d->hash, s - 2);
}

/* First data in this direction: its name is taken for good. */
static void
name_commit(const struct fk_open *o, int dir, struct ndir *d)
{
	uintptr_t s = name_state(d->hash), low;
	char buf[FK_NAME_MAX];
	uint32_t c;
	int n;

	if (s >= 2)
		s -= 2;
	name_set(d->hash, s | 1);
	d->committed = 1;
	low = (uintptr_t)fk_idmap_get(&lowest, d->base);
	c = low ? (uint32_t)(low - 1) : 0;
	if (c != d->count)
		return;
	/* Advance past every count whose name is taken for good. */
	for (;;) {
		c++;
		n = mkname(buf, sizeof(buf), o, dir, c);
		if (n < 0 || !(name_state(key(buf, (size_t)n)) & 1))
			break;
	}
	fk_idmap_put(&lowest, d->base, (void *)(uintptr_t)(c + 1));
}

static void
name_dir(struct fk_out *out, struct flow *f, int dir)
{
	char buf[FK_NAME_MAX];
	struct ndir *d = &f->d[dir];
	struct fk_name nm;
	uintptr_t low, s;
	uint32_t c;
	int n;

	n = mkname(buf, sizeof(buf), &f->open, dir, 0);
	if (n < 0)
		n = fk_name_default(buf, sizeof(buf), &f->open, dir);
	if (n < 0)		/* cannot happen: addresses are safe */
		errx(FK_EX_FAIL, "cannot name flow %llu",
		    (unsigned long long)f->open.flow_id);
	d->base = key(buf, (size_t)n);
	low = (uintptr_t)fk_idmap_get(&lowest, d->base);
	for (c = low ? (uint32_t)(low - 1) : 0;; c++) {
		if (c > 0 && (n = mkname(buf, sizeof(buf), &f->open, dir,
		    c)) < 0)
			errx(FK_EX_FAIL, "flow %llu: name too long",
			    (unsigned long long)f->open.flow_id);
		d->hash = key(buf, (size_t)n);
		s = name_state(d->hash);
		if (s == 0)
			break;
	}
	if (c > 0)
		st.renamed++;
	d->count = c;
	name_set(d->hash, 2);
	nm.flow_id = f->open.flow_id;
	nm.dir = (uint8_t)dir;
	nm.len = (uint32_t)n;
	nm.name = buf;
	fk_name_emit(out, &nm);
}

static void
forget(struct flow *f)
{
	int i;

	for (i = 0; i < 2; i++)
		if (!f->d[i].committed)
			name_release(&f->d[i]);
	fk_idmap_del(&flows, f->open.flow_id);
	free(f);
}

/* -F: tcpflow's file-name shorthands, applied to the template. */
static char *
apply_F(const char *t, const char *F, int have_T)
{
	char *s = fk_strdup(t), *p, *n;
	const char *pre;
	size_t len;

	for (; *F != '\0'; F++) {
		pre = NULL;
		switch (*F) {
		case 'c':	/* counter on all names: %C -> c, %c -> %# */
			len = strlen(s);
			n = fk_malloc(len + 4);
			if (strstr(s, "%c") == NULL && strstr(s, "%#") == NULL)
				snprintf(n, len + 4, "%sc%%#", s);
			else
				snprintf(n, len + 4, "%s", s);
			if ((p = strstr(n, "%C")) != NULL)
				memmove(p, p + 1, strlen(p + 1) + 1), *p = 'c';
			if ((p = strstr(n, "%c")) != NULL)
				p[1] = '#';
			free(s);
			s = n;
			continue;
		case 't': pre = "%tT"; break;
		case 'T': pre = "%T"; break;
		case 'k': pre = have_T ? "" : "%K/"; break;
		case 'm': pre = have_T ? "" : "%M000-%M999/%M%K/"; break;
		case 'g':
			pre = have_T ? "" :
			    "%G000000-%G999999/%G%M000-%G%M999/%G%M%K/";
			break;
		default:
			warnx("-F: unknown letter '%c'", *F);
			free(s);
			fk_usage();
		}
		len = strlen(pre) + strlen(s) + 1;
		n = fk_malloc(len);
		snprintf(n, len, "%s%s", pre, s);
		free(s);
		s = n;
	}
	return s;
}

/* FLOW_OPEN goes on first, then the names of its two directions. */
static void
on_open(struct fk_stage *sg, const struct fk_open *o)
{
	struct flow *f;

	fk_stage_pass(sg);
	if (o->flow_id == 0)
		return;
	if ((f = fk_idmap_get(&flows, o->flow_id)) != NULL)
		forget(f);	/* reopened without a close */
	f = fk_calloc(1, sizeof(*f));
	f->open = *o;
	fk_idmap_put(&flows, o->flow_id, f);
	name_dir(sg->out, f, FK_DIR_AB);
	name_dir(sg->out, f, FK_DIR_BA);
	session++;
	st.flows++;
}

static void
on_data(struct fk_stage *sg, const struct fk_data *d)
{
	struct flow *f;

	if (d->len > 0 && d->flow_id != 0 &&
	    (f = fk_idmap_get(&flows, d->flow_id)) != NULL &&
	    !f->d[d->dir].committed)
		name_commit(&f->open, d->dir, &f->d[d->dir]);
}

static void
on_name(struct fk_stage *sg, const struct fk_name *nm)
{
	if (nm->flow_id != 0 && fk_idmap_get(&flows, nm->flow_id)) {
		st.dropped_names++;	/* ours replace it */
		fk_stage_drop(sg);
	}
}

static void
on_close(struct fk_stage *sg, const struct fk_close *c)
{
	struct flow *f;

	if (c->flow_id != 0 && (f = fk_idmap_get(&flows, c->flow_id)) != NULL)
		forget(f);
}

static const struct fk_stage_ops ops = {
	.open = on_open, .data = on_data, .name = on_name, .close = on_close,
	.needs = "stream records in the input: put reasm before flowname",
};

int
main(int argc, char *argv[])
{
	struct fk_in in;
	struct fk_out out;
	struct fk_statsbuf sb;
	const char *F = "", *why;
	char *t = NULL;
	int ch, have_T = 0;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "F:T:Vh")) != -1)
		switch (ch) {
		case 'F':
			F = optarg;
			break;
		case 'T':
			tmpl = optarg;
			have_T = 1;
			break;
		case 'V':
			novlan = 1;
			break;
		case 'h':
			fk_help();
		default:
			fk_usage();
		}
	if (optind != argc)
		fk_usage();
	t = apply_F(tmpl, F, have_T);
	tmpl = t;
	if ((why = fk_name_template_check(tmpl)) != NULL) {
		warnx("-T %s: %s", tmpl, why);
		fk_usage();
	}
	counts = fk_name_template_counts(tmpl);
	fk_hash_seed_init();
	fk_idmap_init(&flows);
	fk_idmap_init(&names);
	fk_idmap_init(&lowest);

	fk_in_open(&in, 0, "<stdin>");
	fk_out_open(&out, 1, "<stdout>");
	fk_stage_run(&in, &out, &ops, NULL);
	fk_stats_begin(&sb, "flowname");
	fk_stats_add(&sb, st.flows, "flows");
	fk_stats_add(&sb, st.renamed, "counted");
	fk_stats_add(&sb, st.dropped_names, "replaced_names");
	fk_stats_end(&sb, &out, NULL);
	fk_out_close(&out);
	fk_in_close(&in);
	for (size_t i = 0; i <= flows.mask; i++)
		if (flows.slot[i].id != 0)
			free(flows.slot[i].val);
	fk_idmap_free(&flows);
	fk_idmap_free(&names);
	fk_idmap_free(&lowest);
	free(t);
	return fk_io_exit(&in, FK_EX_OK);
}
