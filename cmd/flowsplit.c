/*
 * flowsplit - write each direction of each flow to its own file, as
 * tcpflow does, or print the streams to the console.
 *
 * flowsplit [-0BCcDhpsV] [-b max_bytes] [-f max_fds] [-g policy] [-o dir]
 *
 * File mode: stream byte k of a direction goes to file offset k
 * (pwrite), so a GAP stays a hole; -g skip appends the bytes without
 * holes, -g mark writes "[N bytes missing]" where a gap was.  A file is
 * created (O_TRUNC) on the first DATA of its direction and written
 * through an LRU cache of at most -f open descriptors; an evicted file
 * is reopened without truncation (fk_ofile).  Names come from FLOW_NAME
 * records, else from tcpflow's default template and connection counter
 * (fk_namer: named at FLOW_OPEN, taken at the first byte written).  Every path is opened below the
 * output directory with openat(2) and O_NOFOLLOW, one component at a time.
 * Records pass through to stdout when it is a pipe or a socket, or with
 * -p.  A flow cut short (FLOW_CLOSE "stopped", or still open when an
 * incomplete input ends) leaves its files as NAME.partial.
 *
 * Console mode (-c, -C, -D): each DATA record is printed as tcpflow -c
 * prints a packet (fk_console); no records are written.
 */
#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_console.h"
#include "fk_hash.h"
#include "fk_io.h"
#include "fk_name.h"
#include "fk_namer.h"
#include "fk_ofile.h"
#include "fk_record.h"
#include "fk_stage.h"
#include "fk_util.h"

enum gapmode { G_HOLE, G_SKIP, G_MARK };

struct flow;

struct fdir {
	struct flow *flow;
	struct fk_ofile of;	/* of.name NULL: not named yet */
	uint8_t dir;
	uint64_t pos;		/* -g skip/mark: next file offset */
};

struct flow {
	uint64_t id;
	int have_open;
	struct fk_open open;
	struct fdir d[2];
	struct fk_namer_flow nf;	/* names without FLOW_NAME */
};

static int console;
static unsigned conflags;	/* FK_CON_* */
static long long maxbytes = -1;
static long long maxfds = 128;
static enum gapmode gapmode = G_HOLE;
static const char *outdir = ".";
static struct fk_odir odir;
static int failed;
static int force_pass;

static struct fk_idmap flows;
static struct fk_namer namer;	/* tcpflow's default names and counter */

static struct {
	uint64_t bytes, cut, unsafe, gaps, big_holes;
} st;

/* A hole this big in a file is worth a warning: forged offsets? */
#define BIG_HOLE	(1ULL << 30)

static const struct fk_opthelp opthelp[] = {
	{ "-0", "console mode: no newline after each DATA record" },
	{ "-B", "console mode: print non-printable bytes as they are" },
	{ "-b max_bytes",
	    "keep at most the first max_bytes of each direction" },
	{ "-C", "console mode without the header" },
	{ "-c", "console mode: print the streams as tcpflow -c, no files" },
	{ "-D", "console mode in hex, as tcpflow -c -D" },
	{ "-f max_fds", "keep at most max_fds files open (default 128)" },
	{ "-g policy", "what a GAP becomes: hole (the default), skip or mark" },
	{ "-o dir", "the output directory, made if missing (default .)" },
	{ "-p", "pass records on even when stdout is not a pipe" },
	{ "-s", "console mode: non-printable bytes as '.' (the default)" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowsplit [-0BCcDhpsV] [-b max_bytes] [-f max_fds] "
	    "[-g policy] [-o dir]\n",
	.about =
	    "Write each direction of each TCP flow to a file, as tcpflow does.",
	.opts = opthelp,
	.vopt = 'V',
};

static struct flow *
get_flow(uint64_t id)
{
	int added;
	struct flow *f = fk_idmap_obtain(&flows, id, sizeof(*f), &added);

	if (added) {
		f->id = id;
		for (int i = 0; i < 2; i++) {
			f->d[i].flow = f;
			fk_ofile_init(&f->d[i].of, NULL);
			f->d[i].of.positional = 1;
			f->d[i].dir = (uint8_t)i;
		}
	}
	return f;
}

static void
set_name(struct fdir *d, const char *name, size_t len)
{
	int unsafe;

	if (d->of.created)	/* the file exists: keep writing it */
		return;
	free(d->of.name);
	d->of.name = fk_name_dup_safe(name, len, 0, NULL, &unsafe);
	if (unsafe && st.unsafe++ == 0)
		warnx("unsafe or too long file name in a FLOW_NAME "
		    "record, sanitized or shortened");
}

/* Name a direction (FLOW_NAME, else tcpflow's default) and open it. */
static int
open_file(struct fdir *d)
{
	char buf[FK_NAME_MAX];
	struct flow *f = d->flow;
	int n;

	if (d->of.name == NULL) {
		n = fk_con_defname(buf, sizeof(buf),
		    f->have_open ? &f->open : NULL, f->id, d->dir);
		set_name(d, buf, (size_t)n);
	}
	return fk_ofile_open(&odir, &d->of);
}

/* Write len bytes at file offset off, cut at -b. */
static void
put(struct fdir *d, const uint8_t *p, uint64_t len, uint64_t off)
{
	if (maxbytes >= 0) {
		if (off >= (uint64_t)maxbytes) {
			st.cut += len;
			return;
		}
		if (len > (uint64_t)maxbytes - off) {
			st.cut += len - ((uint64_t)maxbytes - off);
			len = (uint64_t)maxbytes - off;
		}
	}
	if (off > (uint64_t)INT64_MAX - len) {
		warnx("%s: offset %llu out of range, data dropped", d->of.name,
		    (unsigned long long)off);
		failed = 1;
		return;
	}
	if (off > d->of.size && off - d->of.size >= BIG_HOLE &&
	    st.big_holes++ == 0)
		warnx("%s: a hole of %llu bytes at offset %llu: a sparse file "
		    "that large is likely made by forged sequence numbers "
		    "(-b caps the file size)", d->of.name,
		    (unsigned long long)(off - d->of.size),
		    (unsigned long long)d->of.size);
	fk_ofile_pwrite(&odir, &d->of, p, (size_t)len, off);
	st.bytes += len;
}

static void
file_data(const struct fk_data *x)
{
	struct fdir *d = &get_flow(x->flow_id)->d[x->dir];

	if (x->len == 0)
		return;
	fk_namer_data(&namer, &d->flow->nf, d->dir);
	if (open_file(d) < 0)
		return;
	if (gapmode == G_HOLE) {
		put(d, x->data, x->len, x->offset);
	} else {
		put(d, x->data, x->len, d->pos);
		d->pos += x->len;
	}
}

static void
file_gap(const struct fk_gap *g)
{
	struct flow *f = get_flow(g->flow_id);
	struct fdir *d = &f->d[g->dir];
	char m[64];
	int n;

	st.gaps++;
	if (gapmode != G_MARK || g->len == 0)
		return;
	fk_namer_data(&namer, &f->nf, d->dir);	/* makes the file too */
	if (open_file(d) < 0)
		return;
	n = snprintf(m, sizeof(m), "[%llu bytes missing]",
	    (unsigned long long)g->len);
	put(d, (const uint8_t *)m, (uint64_t)n, d->pos);
	d->pos += (uint64_t)n;
}

/* Close f's files; cut: it was cut short, they become NAME.partial. */
static void
free_files(struct flow *f, int cut)
{
	for (int i = 0; i < 2; i++)
		if (cut)
			fk_ofile_free_partial(&odir, &f->d[i].of);
		else
			fk_ofile_free(&odir, &f->d[i].of);
}

/* Done with f. */
static void
forget(struct flow *f, int cut)
{
	free_files(f, cut);
	fk_namer_close(&namer, &f->nf);
	fk_idmap_del(&flows, f->id);
	free(f);
}

static void
on_open(struct fk_stage *sg, const struct fk_open *o)
{
	char name[2][FK_NAME_MAX];
	size_t len[2];
	struct flow *f;

	if (o->flow_id == 0)
		return;
	if ((f = fk_idmap_get(&flows, o->flow_id)) != NULL && f->have_open)
		forget(f, 0);	/* reopened without a close */
	f = get_flow(o->flow_id);
	f->open = *o;
	f->have_open = 1;
	f->d[0].of.mtime_ns = f->d[1].of.mtime_ns = o->ts_ns;
	/* tcpflow's names; FLOW_NAME records (flowname) replace them. */
	fk_namer_open(&namer, &f->nf, o, name, len);
	set_name(&f->d[0], name[0], len[0]);
	set_name(&f->d[1], name[1], len[1]);
}

static void
on_name(struct fk_stage *sg, const struct fk_name *nm)
{
	struct flow *f;

	if (nm->flow_id == 0)
		return;
	f = get_flow(nm->flow_id);
	fk_namer_given(&namer, &f->nf, nm->dir);
	set_name(&f->d[nm->dir], nm->name, nm->len);
}

static void
on_data(struct fk_stage *sg, const struct fk_data *x)
{
	if (x->flow_id != 0)
		file_data(x);
}

static void
on_gap(struct fk_stage *sg, const struct fk_gap *g)
{
	if (g->flow_id != 0)
		file_gap(g);
}

static void
on_close(struct fk_stage *sg, const struct fk_close *c)
{
	struct flow *f;

	if (c->flow_id != 0 && (f = fk_idmap_get(&flows, c->flow_id)) != NULL)
		forget(f, c->reason == FK_CLOSE_STOPPED);
}

static const struct fk_stage_ops ops = {
	.open = on_open, .name = on_name, .data = on_data, .gap = on_gap,
	.close = on_close,
	.needs = "stream records in the input: put reasm before flowsplit",
};

int
main(int argc, char *argv[])
{
	struct fk_console con;
	struct fk_in in;
	struct fk_out out;
	struct flow *f;
	int ch, pass, cut;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "V0BCDb:cf:g:ho:ps")) != -1)
		switch (ch) {
		case '0':
			conflags |= FK_CON_NONEWLINE;
			break;
		case 'B':
			conflags |= FK_CON_BINARY;
			break;
		case 'C':
			console = 1;
			conflags |= FK_CON_NOHEADER;
			break;
		case 'D':
			conflags |= FK_CON_HEX;
			console = 1;
			break;
		case 'b':
			maxbytes = fk_strtosize(optarg, 0, INT64_MAX, "-b");
			break;
		case 'c':
			console = 1;
			break;
		case 'f':
			maxfds = fk_strtonum(optarg, 1, 1000000, "-f");
			break;
		case 'g':
			if (strcmp(optarg, "hole") == 0)
				gapmode = G_HOLE;
			else if (strcmp(optarg, "skip") == 0)
				gapmode = G_SKIP;
			else if (strcmp(optarg, "mark") == 0)
				gapmode = G_MARK;
			else
				fk_usage();
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'p':
			force_pass = 1;
			break;
		case 's':	/* strip non-printables: the console default */
			conflags &= ~(unsigned)FK_CON_BINARY;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	if (optind != argc)
		fk_usage();
	if (!console) {
		fk_odir_open(&odir, outdir, maxfds);
		/* A fatal error (disk full): open flows' files to .partial. */
		fk_odir_partial_on_fail(&odir);
	} else
		odir.dirfd = -1;
	fk_idmap_init(&flows);
	fk_namer_init(&namer, FK_NAME_TEMPLATE, 0);
	fk_in_open(&in, 0, "<stdin>");
	pass = !console;
	if (pass)
		fk_out_open_pass(&out, 1, "<stdout>", force_pass);
	if (console) {
		if (gapmode == G_MARK)
			conflags |= FK_CON_MARKS;
		if (isatty(1))
			conflags |= FK_CON_TERMSAFE;
		fk_con_init(&con, 1, "<stdout>", FK_CON_TCPFLOW, conflags,
		    maxbytes);
	}
	if (console)
		fk_con_run(&con, &in);
	else
		fk_stage_run(&in, pass ? &out : NULL, &ops, NULL);
	if (pass) {
		struct fk_statsbuf sb;

		fk_stats_begin(&sb, "flowsplit");
		fk_stats_add(&sb, odir.files, "files");
		fk_stats_add(&sb, st.bytes, "bytes");
		fk_stats_add(&sb, odir.reopens, "reopens");
		fk_stats_add(&sb, st.cut, "cut_bytes");
		fk_stats_add(&sb, st.unsafe, "unsafe_names");
		fk_stats_add(&sb, st.big_holes, "big_holes");
		if (odir.notreg)
			fk_stats_add(&sb, odir.notreg, "not_regular");
		fk_stats_end(&sb, &out, NULL);
	}
	/*
	 * End of input: close what is still open; if the input was cut
	 * short, those flows were too.
	 */
	cut = fk_in_cut(&in) == 1;
	for (size_t i = 0; i <= flows.mask; i++)
		if (flows.slot[i].id != 0) {
			f = flows.slot[i].val;
			free_files(f, cut);
			free(f);
		}
	fk_idmap_free(&flows);
	fk_namer_free(&namer);
	if (console) {
		fk_con_finish(&con);
		fk_con_free(&con);
	}
	if (pass)
		fk_out_close(&out);
	fk_in_close(&in);
	fk_odir_close(&odir);
	return fk_io_exit(&in, failed || odir.failures ? FK_EX_FAIL :
	    FK_EX_OK);
}
