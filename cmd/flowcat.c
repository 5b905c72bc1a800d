/*
 * flowcat - show a flowkit record stream as text.
 *
 * flowcat [-0BCDGghsVx] [-b max_bytes] [-f format]
 *
 * -f records (the default) prints one line per record with its decoded
 * fields, for debugging a pipeline one stage at a time; -f json prints
 * one JSON object per record (fk_recjson), which flowrec turns back into
 * the same records.  The other
 * formats show the streams, one DATA record at a time as they come
 * (fk_console): tcpflow's console (-f tcpflow, -C, -D, -B, -0) and
 * tcpreen's log formats (strip, hex, C, raw, count, null, password).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fk_addr.h"
#include "fk_console.h"
#include "fk_decode.h"
#include "fk_io.h"
#include "fk_record.h"
#include "fk_recjson.h"
#include "fk_stage.h"
#include "fk_util.h"

static int xflag;

/* -s: no FK_CON_* flag of its own, but it chooses -f tcpflow. */
#define T_STRIP	0x8000

static const struct fk_opthelp opthelp[] = {
	{ "-0", "tcpflow format: no newline after each chunk" },
	{ "-B", "tcpflow format: print non-printable bytes as they are" },
	{ "-b max_bytes", "show at most max_bytes bytes of each direction" },
	{ "-C", "tcpflow format without the direction names" },
	{ "-D", "tcpflow format in hex, as tcpflow -c -D" },
	{ "-f format",
	    "records (default), json, inline, tcpflow... see flowcat(1)" },
	{ "-G", "colours, even when the output is not a terminal" },
	{ "-g", "colours when the output is a terminal" },
	{ "-s", "tcpflow format: non-printable bytes as '.' (the default)" },
	{ "-x", "records format: every stream byte, packets in hex" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowcat [-0BCDGghsVx] [-b max_bytes] [-f format]\n",
	.about = "Show a record stream, or the TCP streams in it, as text.",
	.opts = opthelp,
	.vopt = 'V',
};

static void
pr_time(uint64_t ts)
{
	char buf[64];

	fk_fmt_time(buf, sizeof(buf), ts);
	fputs(buf, stdout);
}

/* Print bytes as a C-like quoted string, escaping everything unsafe. */
static void
pr_quoted(const uint8_t *p, size_t n, size_t max)
{
	putchar('"');
	for (size_t i = 0; i < n && i < max; i++) {
		if (p[i] == '"' || p[i] == '\\')
			printf("\\%c", p[i]);
		else if (isprint(p[i]))
			putchar(p[i]);
		else if (p[i] == '\n')
			fputs("\\n", stdout);
		else if (p[i] == '\r')
			fputs("\\r", stdout);
		else if (p[i] == '\t')
			fputs("\\t", stdout);
		else
			printf("\\x%02x", p[i]);
	}
	putchar('"');
	if (n > max)
		fputs("...", stdout);
}

static void
pr_hex(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i += 16) {
		printf("\t%04zx ", i);
		for (size_t j = i; j < i + 16; j++)
			if (j < n)
				printf(" %02x", p[j]);
			else
				fputs("   ", stdout);
		fputs("  ", stdout);
		for (size_t j = i; j < i + 16 && j < n; j++)
			putchar(isprint(p[j]) ? p[j] : '.');
		putchar('\n');
	}
}

static void
pr_addr(int family, const uint8_t *a, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN];

	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, sizeof(buf));
	printf(family == 4 ? "%s:%u" : "[%s]:%u", buf, port);
}

/* -f records: the fields of each type, after "@offset TYPE". */
static void
dump_packet(struct fk_stage *sg, const struct fk_packet *pk)
{
	fputs(" ts=", stdout);
	pr_time(pk->ts_ns);
	printf(" link=%u len=%u caplen=%u if=%u\n", pk->linktype,
	    pk->origlen, pk->caplen, pk->ifindex);
	if (xflag)
		pr_hex(pk->data, pk->caplen);
}

static void
dump_open(struct fk_stage *sg, const struct fk_open *o)
{
	printf(" id=%llu ts=", (unsigned long long)o->flow_id);
	pr_time(o->ts_ns);
	putchar(' ');
	pr_addr(o->family, o->addr_a, o->port_a);
	fputs(" > ", stdout);
	pr_addr(o->family, o->addr_b, o->port_b);
	printf(" opener=%s", o->opener == FK_OPEN_SYN ? "syn" :
	    o->opener == FK_OPEN_SYNACK ? "synack" : "midstream");
	if (o->flags & FK_OPEN_F_VLAN)
		printf(" vlan=%u", o->vlan);
	if (o->flags & FK_OPEN_F_VLAN2)
		printf(" vlan_inner=%u", o->vlan_inner);
	if (o->flags & FK_OPEN_F_ETH)
		printf(" eth=%02x:%02x:%02x:%02x:%02x:%02x"
		    ">%02x:%02x:%02x:%02x:%02x:%02x",
		    o->eth_a[0], o->eth_a[1], o->eth_a[2], o->eth_a[3],
		    o->eth_a[4], o->eth_a[5], o->eth_b[0], o->eth_b[1],
		    o->eth_b[2], o->eth_b[3], o->eth_b[4], o->eth_b[5]);
	if (o->flags & FK_OPEN_F_PORTREUSE)
		fputs(" reused", stdout);
	if (o->flags & FK_OPEN_F_TUNNEL) {
		char ta[INET6_ADDRSTRLEN], tb[INET6_ADDRSTRLEN];

		printf(" tunnel=%s/%016llx outer=%s>%s",
		    fk_tunnel_name(o->tun_type),
		    (unsigned long long)o->tun_id,
		    fk_addr_str(ta, sizeof(ta), o->tun_family, o->tun_addr_a),
		    fk_addr_str(tb, sizeof(tb), o->tun_family, o->tun_addr_b));
	}
	printf(" if=%u\n", o->ifindex);
}

static void
dump_data(struct fk_stage *sg, const struct fk_data *d)
{
	printf(" id=%llu dir=%u off=%llu len=%u ts=",
	    (unsigned long long)d->flow_id, d->dir,
	    (unsigned long long)d->offset, d->len);
	pr_time(d->ts_ns);
	putchar(' ');
	pr_quoted(d->data, d->len, xflag ? SIZE_MAX : 40);
	putchar('\n');
}

static void
dump_gap(struct fk_stage *sg, const struct fk_gap *g)
{
	printf(" id=%llu dir=%u off=%llu len=%llu reason=%s ts=",
	    (unsigned long long)g->flow_id, g->dir,
	    (unsigned long long)g->offset, (unsigned long long)g->len,
	    g->reason == FK_GAP_LOST ? "lost" :
	    g->reason == FK_GAP_BUFFER ? "buffer" :
	    g->reason == FK_GAP_CLOSE ? "close" : "unknown");
	pr_time(g->ts_ns);
	putchar('\n');
}

static void
dump_overlap(struct fk_stage *sg, const struct fk_overlap *v)
{
	printf(" id=%llu dir=%u off=%llu len=%u rejected=",
	    (unsigned long long)v->flow_id, v->dir,
	    (unsigned long long)v->offset, v->len);
	pr_quoted(v->data, v->len, xflag ? SIZE_MAX : 40);
	putchar('\n');
}

static void
dump_close(struct fk_stage *sg, const struct fk_close *c)
{
	printf(" id=%llu reason=%s ts=", (unsigned long long)c->flow_id,
	    fk_close_reasonname(c->reason));
	pr_time(c->ts_ns);
	for (int i = 0; i < 2; i++) {
		const struct fk_dirstats *s = &c->dir[i];
		printf(" %s=pkts:%llu,wire:%llu,bytes:%llu,gap:%llu,"
		    "retrans:%llu,ooo:%llu,overlaps:%llu",
		    i == 0 ? "ab" : "ba",
		    (unsigned long long)s->packets,
		    (unsigned long long)s->wire_bytes,
		    (unsigned long long)s->bytes,
		    (unsigned long long)s->gap_bytes,
		    (unsigned long long)s->retrans_bytes,
		    (unsigned long long)s->ooo_packets,
		    (unsigned long long)s->overlaps);
	}
	putchar('\n');
}

static void
dump_name(struct fk_stage *sg, const struct fk_name *nm)
{
	printf(" id=%llu dir=%u name=", (unsigned long long)nm->flow_id,
	    nm->dir);
	pr_quoted((const uint8_t *)nm->name, nm->len, SIZE_MAX);
	putchar('\n');
}

static void
dump_stats(struct fk_stage *sg, const struct fk_stats *st)
{
	putchar(' ');
	pr_quoted((const uint8_t *)st->text, st->len, SIZE_MAX);
	putchar('\n');
}

static void
dump_http(struct fk_stage *sg, const struct fk_http *h)
{
	printf(" id=%llu dir=%u %s seq=%u status=%u flags=%#x "
	    "hdr=%llu body=%llu+%llu decoded=%llu strings=",
	    (unsigned long long)h->flow_id, h->dir,
	    h->kind == FK_HTTP_REQUEST ? "request" : "response", h->seq,
	    h->status, h->flags, (unsigned long long)h->hdr_offset,
	    (unsigned long long)h->body_offset,
	    (unsigned long long)h->body_len,
	    (unsigned long long)h->decoded_len);
	pr_quoted((const uint8_t *)h->var, h->varlen, SIZE_MAX);
	putchar('\n');
}

static void
dump_other(struct fk_stage *sg, const struct fk_rec *r)
{
	struct fk_end e;
	struct fk_file f;

	if (r->type == FK_REC_FILE && fk_file_decode(r, &f) == 0) {
		printf(" id=%u size=%llu path=", f.id,
		    (unsigned long long)f.size);
		pr_quoted((const uint8_t *)f.path, f.pathlen, SIZE_MAX);
		putchar('\n');
		return;
	}
	if (r->type == FK_REC_END && fk_end_decode(r, &e) == 0) {
		printf(" status=%s code=%u text=", fk_end_statusname(e.status),
		    e.code);
		pr_quoted((const uint8_t *)e.text, e.len, SIZE_MAX);
		putchar('\n');
		return;
	}
	printf("type=%#06x flags=%#x len=%u\n", r->type, r->flags, r->len);
	if (xflag)
		pr_hex(r->body, r->len);
}

static const struct fk_stage_ops dump_ops = {
	.packet = dump_packet, .open = dump_open, .data = dump_data,
	.gap = dump_gap, .overlap = dump_overlap, .close = dump_close,
	.name = dump_name, .stats = dump_stats, .http = dump_http,
	.other = dump_other,
};

int
main(int argc, char *argv[])
{
	struct fk_in in;
	struct fk_out out;
	struct fk_rec rec;
	struct fk_console con;
	struct fk_stage sg;
	const char *format = NULL;
	unsigned flags = FK_CON_MARKS, tflags = 0;
	long long maxbytes = -1;
	int ch, fmt, color = 0;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "V0BCDGb:f:ghsx")) != -1) {
		switch (ch) {
		case '0':
			tflags |= FK_CON_NONEWLINE;
			break;
		case 'B':
			tflags |= FK_CON_BINARY;
			break;
		case 'C':
			tflags |= FK_CON_NOHEADER;
			break;
		case 'D':
			tflags |= FK_CON_HEX;
			break;
		case 'G':
			color = 2;
			break;
		case 'b':
			maxbytes = fk_strtosize(optarg, 0, INT64_MAX, "-b");
			break;
		case 'f':
			format = optarg;
			break;
		case 'g':
			if (color == 0)
				color = 1;
			break;
		case 's':	/* tcpflow -s: non-printables as '.', the default */
			tflags = (tflags & ~(unsigned)FK_CON_BINARY) |
			    T_STRIP;
			break;
		case 'x':
			xflag = 1;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	if (argc != optind)
		fk_usage();
	/* -0BCDs are tcpflow's options: they choose -f tcpflow. */
	if (format == NULL)
		format = tflags ? "tcpflow" : "records";
	if (strcmp(format, "records") == 0) {
		if (color || maxbytes >= 0 || tflags)
			errx(FK_EX_USAGE, "-0BCDGgbs show streams: give a "
			    "stream format with -f");
		goto records;
	}
	if (strcmp(format, "inline") == 0) {
		if (color || maxbytes >= 0 || tflags || xflag)
			errx(FK_EX_USAGE, "-0BCDGgbsx do not go with -f inline");
		goto inline_bytes;
	}
	if (strcmp(format, "json") == 0) {
		if (color || maxbytes >= 0 || tflags || xflag)
			errx(FK_EX_USAGE, "-0BCDGgbsx do not go with -f json");
		goto json;
	}
	if ((fmt = fk_con_format_parse(format)) < 0)
		errx(FK_EX_USAGE, "unknown format '%s'", format);
	if (tflags && fmt != FK_CON_TCPFLOW)
		errx(FK_EX_USAGE, "-0BCDs go with -f tcpflow");
	if (xflag)
		errx(FK_EX_USAGE, "-x goes with -f records");
	flags |= tflags & ~(unsigned)T_STRIP;
	if (isatty(STDOUT_FILENO))
		flags |= FK_CON_TERMSAFE;
	if (color == 2 || (color == 1 && isatty(STDOUT_FILENO)))
		flags |= FK_CON_COLOR;
	fk_con_init(&con, STDOUT_FILENO, "<stdout>", fmt, flags, maxbytes);
	fk_in_open(&in, STDIN_FILENO, "<stdin>");
	fk_con_run(&con, &in);
	fk_in_close(&in);
	fk_con_finish(&con);
	fk_con_free(&con);
	return fk_io_exit(&in, FK_EX_OK);

records:
	fk_in_open(&in, STDIN_FILENO, "<stdin>");
	in.show_end = 1;	/* END records are shown too */
	in.show_file = 1;	/* and where the bytes of references are */
	fk_stage_init(&sg, &in, NULL, &dump_ops, NULL);
	while (fk_in_read(&in, &rec)) {
		const char *tn = fk_rec_typename(rec.type);

		printf("@%llu %s", (unsigned long long)rec.offset,
		    tn ? tn : "");
		fk_stage_record(&sg, &rec);
		if (ferror(stdout))
			fk_stdout_check();
	}
	fk_in_close(&in);
	fk_stdout_check();
	return fk_io_exit(&in, FK_EX_OK);

inline_bytes:
	/* The same records, with the bytes of references in them. */
	fk_in_open(&in, STDIN_FILENO, "<stdin>");
	fk_out_open(&out, STDOUT_FILENO, "<stdout>");
	fk_out_inline(&out);
	while (fk_in_read(&in, &rec))
		fk_out_copy(&out, &rec);
	fk_in_close(&in);
	fk_out_close(&out);
	return fk_io_exit(&in, FK_EX_OK);

json:
	/* Every stream header where it was, every record, END too. */
	fk_in_open(&in, STDIN_FILENO, "<stdin>");
	in.show_end = 1;
	{
		uint32_t nhdr = 0;

		while (fk_in_read(&in, &rec)) {
			if (in.nhdr != nhdr) {
				nhdr = in.nhdr;
				fk_recjson_header(stdout, in.minor,
				    in.hdr_rsv);
			}
			if (fk_recjson_write(stdout, &rec) < 0)
				fk_in_bad(&in, &rec, "body does not decode");
			if (ferror(stdout))
				fk_stdout_check();
		}
		if (in.nhdr != nhdr)
			fk_recjson_header(stdout, in.minor, in.hdr_rsv);
	}
	fk_in_close(&in);
	fk_stdout_check();
	return fk_io_exit(&in, FK_EX_OK);
}
