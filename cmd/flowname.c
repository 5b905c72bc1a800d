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
 * Connection counter (%c, %C, %#), as tcpflow: fk_namer.h.
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
#include "fk_namer.h"
#include "fk_record.h"
#include "fk_stage.h"
#include "fk_util.h"

struct flow {
	uint64_t id;
	struct fk_namer_flow nf;
};

static const char *tmpl = FK_NAME_TEMPLATE;
static int novlan;
static struct fk_namer namer;
static struct fk_idmap flows;	/* flow_id -> struct flow */

static struct {
	uint64_t flows, dropped_names;
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

static void
forget(struct flow *f)
{
	fk_namer_close(&namer, &f->nf);
	fk_idmap_del(&flows, f->id);
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
	char name[2][FK_NAME_MAX];
	size_t len[2];
	struct fk_name nm;
	struct flow *f;

	fk_stage_pass(sg);
	if (o->flow_id == 0)
		return;
	if ((f = fk_idmap_get(&flows, o->flow_id)) != NULL)
		forget(f);	/* reopened without a close */
	f = fk_calloc(1, sizeof(*f));
	f->id = o->flow_id;
	fk_idmap_put(&flows, o->flow_id, f);
	fk_namer_open(&namer, &f->nf, o, name, len);
	for (int dir = FK_DIR_AB; dir <= FK_DIR_BA; dir++) {
		nm.flow_id = o->flow_id;
		nm.dir = (uint8_t)dir;
		nm.len = (uint32_t)len[dir];
		nm.name = name[dir];
		fk_name_emit(sg->out, &nm);
	}
	st.flows++;
}

static void
on_data(struct fk_stage *sg, const struct fk_data *d)
{
	struct flow *f;

	if (d->len > 0 && d->flow_id != 0 &&
	    (f = fk_idmap_get(&flows, d->flow_id)) != NULL)
		fk_namer_data(&namer, &f->nf, d->dir);
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
	.lengths_only = 1,
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
	fk_hash_seed_init();
	fk_namer_init(&namer, tmpl, novlan);
	fk_idmap_init(&flows);

	fk_in_open(&in, 0, "<stdin>");
	fk_out_open(&out, 1, "<stdout>");
	fk_stage_run(&in, &out, &ops, NULL);
	fk_stats_begin(&sb, "flowname");
	fk_stats_add(&sb, st.flows, "flows");
	fk_stats_add(&sb, namer.counted, "counted");
	fk_stats_add(&sb, st.dropped_names, "replaced_names");
	fk_stats_end(&sb, &out, NULL);
	fk_out_close(&out);
	fk_in_close(&in);
	for (size_t i = 0; i <= flows.mask; i++)
		if (flows.slot[i].id != 0)
			free(flows.slot[i].val);
	fk_idmap_free(&flows);
	fk_namer_free(&namer);
	free(t);
	return fk_io_exit(&in, FK_EX_OK);
}
