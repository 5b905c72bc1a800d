/*
 * dfxmlgen - a DFXML report of the flows in a record stream, shaped like
 * tcpflow's -X report.xml: one <fileobject> per flow direction with the
 * file name flowsplit writes, its size, a <tcpflow .../> element with the
 * flow's addresses, ports, times and counters, MD5/SHA1/SHA256 of the
 * file bytes (gaps hashed as the zeros flowsplit leaves in their place),
 * and <byte_runs> locating HTTP bodies in the file (each body file with
 * its URL and hashes, as the HTTP records give them).
 *
 * dfxmlgen [-hp] [-a digests] [-b dir] [-d dir] -o file
 *
 * Hashes are computed as DATA streams by, never buffering a flow.  A
 * direction's <fileobject> is written when its FLOW_CLOSE arrives (flows
 * still open at the end of input are written then).  Records pass
 * through to stdout unchanged when it is a pipe or a socket (or with
 * -p), unless the report itself goes to stdout (-o -).  If the input was
 * cut short (an earlier stage failed), the report is renamed
 * FILE.partial.
 */
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <pcap/pcap.h>
#include <zlib.h>

#include "fk_addr.h"
#include "fk_digest.h"
#include "fk_hash.h"
#include "fk_io.h"
#include "fk_name.h"
#include "fk_ofile.h"
#include "fk_namer.h"
#include "fk_record.h"
#include "fk_report.h"
#include "fk_stage.h"
#include "fk_util.h"
#include "fk_version.h"
#include "fk_xml.h"

/* Per direction: HTTP byte runs kept for the report, and their strings. */
#define RUNS_MAX	100000
#define RUNS_STR_MAX	(4u * 1024 * 1024)
/*
 * Holes are hashed as zeros, within limits: a hole larger than TCP's
 * sequence space is not a real stream gap, and all the holes of a run
 * together may cost at most ZEROS_MAX bytes of hashing (hostile input
 * could otherwise ask for terabytes).  Beyond, a direction is not hashed.
 */
#define HOLE_MAX	(1ull << 32)
#define ZEROS_MAX	(1ull << 30)

struct run {
	uint64_t offset, len, decoded_len;
	char *file;		/* "" if httpsplit wrote no file */
	char *url, *md5, *sha256;	/* "" if not known; in file's block */
};

struct side {
	char *name;		/* FLOW_NAME or tcpflow's, NULL: no FLOW_OPEN */
	size_t namelen;
	struct fk_digest *dg;	/* created at the first byte */
	uint64_t size;		/* file size: end of the last DATA */
	int created;		/* a DATA came: flowsplit made the file */
	uint64_t first_ns, last_ns;
	uint64_t violations;	/* DATA before the current end, etc. */
	int nohash;		/* a hole too large to hash */
	struct run *runs;
	size_t nruns, capruns, runstr;
	uint64_t runs_dropped;
};

struct flow {
	uint64_t id;
	int have_open;
	struct fk_open o;
	struct side s[2];
	struct fk_namer_flow nf;	/* names without FLOW_NAME */
};

static FILE *rep;
static const char *repname;
static const char *outdir, *bodydir;
static unsigned algs = FK_DIGEST_ALL;
static struct fk_idmap flows;
static struct fk_namer namer;	/* tcpflow's default names and counter */
static size_t max_open;
static uint64_t total_flows, total_packets;
static struct timespec t_start;

static const struct fk_opthelp opthelp[] = {
	{ "-a digests", "md5, sha1, sha256, all (the default) or none" },
	{ "-b dir",
	    "the directory httpsplit wrote the bodies to (default -d)" },
	{ "-d dir", "the directory flowsplit writes the flow files to" },
	{ "-o file", "write the report to file; - is the standard output" },
	{ "-p", "pass records on even when stdout is not a pipe" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: dfxmlgen [-hpV] [-a digests] [-b dir] [-d dir] "
	    "-o file\n",
	.about =
	    "Write a DFXML report of the flows in a record stream.",
	.opts = opthelp,
	.vopt = 'V',
};

static void
check_rep(void)
{
	if (!ferror(rep))
		return;
	if (errno == EPIPE)
		exit(FK_EX_OK);
	err(FK_EX_FAIL, "%s", repname);
}

static unsigned long long
ull(uint64_t v)
{
	return (unsigned long long)v;
}

/* DFXML times: microseconds, like tcpflow ("2009-11-19T00:16:10.239700Z"). */
static void
fmt_time(char *buf, size_t len, uint64_t ns)
{
	char t[64];

	fk_fmt_time(t, sizeof(t), ns);
	/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ": keep 6 digits. */
	if (strlen(t) >= 27 && t[19] == '.')
		t[26] = '\0';
	snprintf(buf, len, "%sZ", t);
}

/* ---- the report */

static void
put_elem(int indent, const char *tag, const char *val)
{
	fprintf(rep, "%*s<%s>", indent, "", tag);
	fk_xml_escs(rep, val);
	fprintf(rep, "</%s>\n", tag);
}

static void
header(int argc, char *argv[])
{
	struct utsname u;
	struct passwd *pw;
	char host[256], when[64];
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	fmt_time(when, sizeof(when), (uint64_t)now.tv_sec * 1000000000u);
	when[19] = '\0';
	strcat(when, "Z");
	fputs("<?xml version='1.0' encoding='UTF-8'?>\n"
	    "<dfxml xmloutputversion='1.0'>\n"
	    "  <metadata \n"
	    "  xmlns='http://afflib.org/tcpflow/' \n"
	    "  xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' \n"
	    "  xmlns:dc='http://purl.org/dc/elements/1.1/'>\n"
	    "    <dc:type>Feature Extraction</dc:type>\n"
	    "  </metadata>\n"
	    "  <creator version='1.0'>\n"
	    "    <program>DFXMLGEN</program>\n", rep);
	put_elem(4, "version", FK_VERSION_STRING);
	fputs("    <build_environment>\n", rep);
#ifdef __VERSION__
	put_elem(6, "compiler", __VERSION__);
#endif
	put_elem(6, "compilation_date", __DATE__ " " __TIME__);
	fputs("      <library name='libpcap' version='", rep);
	fk_xml_escs(rep, pcap_lib_version());
	fputs("'/>\n      <library name='zlib' version='", rep);
	fk_xml_escs(rep, zlibVersion());
	fputs("'/>\n      <library name='openssl' version='", rep);
	fk_xml_escs(rep, OpenSSL_version(OPENSSL_VERSION));
	fputs("'/>\n    </build_environment>\n"
	    "    <execution_environment>\n", rep);
	if (uname(&u) == 0) {
		put_elem(6, "os_sysname", u.sysname);
		put_elem(6, "os_release", u.release);
		put_elem(6, "os_version", u.version);
	}
	if (gethostname(host, sizeof(host)) == 0) {
		host[sizeof(host) - 1] = '\0';
		put_elem(6, "host", host);
	}
	if (uname(&u) == 0)
		put_elem(6, "arch", u.machine);
	fputs("      <command_line>", rep);
	for (int i = 0; i < argc; i++) {
		if (i > 0)
			fputc(' ', rep);
		fk_xml_escs(rep, argv[i]);
	}
	fputs("</command_line>\n", rep);
	fprintf(rep, "      <uid>%lu</uid>\n", (unsigned long)getuid());
	if ((pw = getpwuid(getuid())) != NULL)
		put_elem(6, "username", pw->pw_name);
	put_elem(6, "start_time", when);
	fputs("    </execution_environment>\n"
	    "  </creator>\n"
	    "  <configuration>\n"
	    "  </configuration>\n"
	    "  <tdelta>0</tdelta>\n"
	    "  <configuration>\n", rep);
	check_rep();
}

static void
put_mac(const char *attr, const uint8_t *m)
{
	char buf[FK_MAC_STRLEN];

	fprintf(rep, " %s='%s'", attr, fk_mac_str(buf, sizeof(buf), m));
}

/* DFXML path: -d dir, a slash, the name. */
static void
put_path(const char *dir, const char *name, size_t len)
{
	if (dir != NULL && *dir != '\0') {
		fk_xml_escs(rep, dir);
		if (dir[strlen(dir) - 1] != '/')
			fputc('/', rep);
	}
	fk_xml_esc(rep, name, len);
}

/* A hash from an HTTP record: lower-case hex only, else left out. */
static void
put_hash(const char *type, const char *hex)
{
	if (strspn(hex, "0123456789abcdef") != strlen(hex))
		return;
	fprintf(rep, "<hashdigest type='%s'>%s</hashdigest>", type, hex);
}

static void
put_side(const struct flow *f, int dir, const struct fk_close *c)
{
	const struct side *s = &f->s[dir];
	const struct fk_open *o = &f->o;
	const struct fk_dirstats *ds = c ? &c->dir[dir] : NULL;
	char buf[FK_NAME_MAX], t0[64], t1[64];
	uint64_t first = s->first_ns, last = s->last_ns;

	fputs("    <fileobject>\n", rep);
	if (s->created) {
		fputs("      <filename>", rep);
		/* As flowsplit names it (fk_namer.h). */
		if (s->name != NULL)
			put_path(outdir, s->name, s->namelen);
		else {
			snprintf(buf, sizeof(buf), "flow%llu-%s", ull(f->id),
			    dir ? "ba" : "ab");
			put_path(outdir, buf, strlen(buf));
		}
		fputs("</filename>\n", rep);
	}
	fprintf(rep, "      <filesize>%llu</filesize>\n", ull(s->size));

	if (ds != NULL && ds->packets > 0 && ds->last_ts_ns > last)
		last = ds->last_ts_ns;
	if (first == UINT64_MAX)	/* no payload: the flow's start */
		first = f->have_open && f->o.ts_ns ? f->o.ts_ns : last;
	if (last < first)
		last = first;
	fmt_time(t0, sizeof(t0), first);
	fmt_time(t1, sizeof(t1), last);
	fprintf(rep, "      <tcpflow startime='%s' endtime='%s'", t0, t1);
	if (f->have_open && (o->flags & FK_OPEN_F_ETH)) {
		put_mac("mac_daddr", dir ? o->eth_a : o->eth_b);
		put_mac("mac_saddr", dir ? o->eth_b : o->eth_a);
	}
	if (f->have_open) {
		char sa[FK_ADDR_STRLEN], da[FK_ADDR_STRLEN];

		fk_addr_str(sa, sizeof(sa), o->family, dir ? o->addr_b :
		    o->addr_a);
		fk_addr_str(da, sizeof(da), o->family, dir ? o->addr_a :
		    o->addr_b);
		/* AF_INET and AF_INET6 as Linux numbers them, like tcpflow. */
		fprintf(rep, " family='%d' src_ipn='%s' dst_ipn='%s' "
		    "srcport='%u' dstport='%u'", o->family == 6 ? 10 : 2,
		    sa, da, dir ? o->port_b : o->port_a,
		    dir ? o->port_a : o->port_b);
		if (o->flags & FK_OPEN_F_VLAN)
			fprintf(rep, " vlan='%u'", o->vlan);
	}
	if (ds != NULL) {
		fprintf(rep, " packets='%llu'", ull(ds->packets));
		if (ds->ooo_packets)
			fprintf(rep, " out_of_order_count='%llu'",
			    ull(ds->ooo_packets));
	}
	if (s->violations)
		fprintf(rep, " violations='%llu'", ull(s->violations));
	if (ds != NULL) {
		fprintf(rep, " len='%llu'", ull(ds->wire_bytes));
		if (ds->gap_bytes)
			fprintf(rep, " gap_bytes='%llu'", ull(ds->gap_bytes));
		if (ds->retrans_bytes)
			fprintf(rep, " retrans_bytes='%llu'",
			    ull(ds->retrans_bytes));
		if (ds->overlaps)
			fprintf(rep, " overlaps='%llu'", ull(ds->overlaps));
	}
	fprintf(rep, " close='%s' flow_id='%llu' />\n",
	    c ? fk_close_reasonname(c->reason) : "open", ull(f->id));

	if (s->size > 0 && s->dg != NULL && !s->nohash) {
		char hex[FK_DIGEST_NALG][FK_DIGEST_HEXLEN];

		fk_digest_final(s->dg, hex);
		for (int i = 0; i < FK_DIGEST_NALG; i++)
			if (hex[i][0] != '\0')
				fprintf(rep, "      <hashdigest type='%s'>%s"
				    "</hashdigest>\n", fk_digest_name(i),
				    hex[i]);
	}
	if (s->nruns > 0 || s->runs_dropped) {
		fputs("      <byte_runs>\n", rep);
		for (size_t i = 0; i < s->nruns; i++) {
			const struct run *r = &s->runs[i];

			fprintf(rep, "       <byte_run file_offset='%llu' "
			    "len='%llu'", ull(r->offset), ull(r->len));
			if (r->file[0] == '\0') {
				fputs("/>\n", rep);
				continue;
			}
			fputs("><fileobject><filename>", rep);
			put_path(bodydir, r->file, strlen(r->file));
			fputs("</filename>", rep);
			if (r->url[0] != '\0') {
				fputs("<url>", rep);
				fk_xml_escs(rep, r->url);
				fputs("</url>", rep);
			}
			fprintf(rep, "<filesize>%llu</filesize>",
			    ull(r->decoded_len));
			if (r->md5[0] != '\0' && (algs & FK_DIGEST_MD5))
				put_hash("MD5", r->md5);
			if (r->sha256[0] != '\0' && (algs & FK_DIGEST_SHA256))
				put_hash("SHA256", r->sha256);
			fputs("</fileobject></byte_run>\n", rep);
		}
		if (s->runs_dropped)
			fprintf(rep, "       <!-- %llu more byte runs not "
			    "listed -->\n", ull(s->runs_dropped));
		fputs("      </byte_runs>\n", rep);
	}
	fputs("    </fileobject>\n", rep);
	check_rep();
}

/* ---- flows */

static struct flow *
getflow(uint64_t id)
{
	int added;
	struct flow *f = fk_idmap_obtain(&flows, id, sizeof(*f), &added);

	if (added) {
		f->id = id;
		f->s[0].first_ns = f->s[1].first_ns = UINT64_MAX;
		if (flows.count > max_open)
			max_open = flows.count;
	}
	return f;
}

static void
freeflow(struct flow *f)
{
	fk_namer_close(&namer, &f->nf);
	for (int d = 0; d < 2; d++) {
		struct side *s = &f->s[d];

		free(s->name);
		fk_digest_free(s->dg);
		for (size_t i = 0; i < s->nruns; i++)
			free(s->runs[i].file);
		free(s->runs);
	}
	free(f);
}

/* Write a flow's fileobjects and forget it. */
static void
finish(struct flow *f, const struct fk_close *c)
{
	fk_idmap_del(&flows, f->id);
	total_flows++;
	for (int d = 0; d < 2; d++) {
		const struct side *s = &f->s[d];
		int seen = s->created || s->nruns > 0 || s->first_ns !=
		    UINT64_MAX;

		if (c != NULL) {
			total_packets += c->dir[d].packets;
			seen |= c->dir[d].packets > 0;
		}
		/* Like tcpflow: no fileobject for a silent direction. */
		if (seen || (d == 0 && c == NULL && f->have_open))
			put_side(f, d, c);
	}
	freeflow(f);
}

static void
seen_ts(struct side *s, uint64_t ts)
{
	if (ts == 0)
		return;
	if (ts < s->first_ns)
		s->first_ns = ts;
	if (ts > s->last_ns)
		s->last_ns = ts;
}

/* Advance the file end to `end`, hashing zeros for the hole. */
static void
fill_to(struct side *s, uint64_t end)
{
	static uint64_t zeros;	/* hashed in holes so far, all flows */

	if (end <= s->size)
		return;
	if (!s->nohash && (end - s->size > HOLE_MAX ||
	    end - s->size > ZEROS_MAX - zeros)) {
		warnx("hole of %llu bytes not hashed%s", ull(end - s->size),
		    end - s->size > HOLE_MAX ? "" :
		    " (holes of the run over 1 GiB)");
		s->nohash = 1;
	}
	if (!s->nohash) {
		if (s->dg == NULL)
			s->dg = fk_digest_new(algs);
		fk_digest_zeros(s->dg, end - s->size);
		zeros += end - s->size;
	}
	s->size = end;
}

static void
on_data(struct fk_stage *sg, const struct fk_data *d)
{
	struct flow *f = getflow(d->flow_id);
	struct side *s;
	uint64_t skip = 0;

	if (f == NULL)
		return;
	s = &f->s[d->dir];
	seen_ts(s, d->ts_ns);
	s->created = 1;
	if (d->len == 0)
		return;
	fk_namer_data(&namer, &f->nf, d->dir);
	if (d->offset > UINT64_MAX - d->len) {
		s->violations++;
		return;
	}
	if (d->offset < s->size) {
		/* Out of order for a DATA record: the first bytes stand. */
		s->violations++;
		skip = s->size - d->offset;
		if (skip >= d->len)
			return;
	} else
		fill_to(s, d->offset);
	if (!s->nohash) {
		if (s->dg == NULL)
			s->dg = fk_digest_new(algs);
		fk_digest_update(s->dg, d->data + skip, d->len - skip);
	}
	s->size = d->offset + d->len;
}

/*
 * A gap is a hole in the file only once DATA follows it (flowsplit writes
 * DATA at its stream offset, so the hole reads as zeros); a gap at the end
 * does not make the file longer.  Only its time is noted here.
 */
static void
on_gap(struct fk_stage *sg, const struct fk_gap *g)
{
	struct flow *f = getflow(g->flow_id);

	if (f != NULL)
		seen_ts(&f->s[g->dir], g->ts_ns);
}

static void
on_name(struct fk_stage *sg, const struct fk_name *n)
{
	struct flow *f = getflow(n->flow_id);
	struct side *s;

	if (f == NULL)
		return;
	s = &f->s[n->dir];
	/* As flowsplit: the name the file was created with stays. */
	if (s->created)
		return;
	fk_namer_given(&namer, &f->nf, n->dir);
	free(s->name);
	s->name = fk_name_dup_safe(n->name, n->len, 0, &s->namelen, NULL);
}

static void
on_http(struct fk_stage *sg, const struct fk_http *h)
{
	struct flow *f = getflow(h->flow_id);
	struct side *s;
	struct run *r;
	const char *str[8];
	size_t flen, off, n, i, tot;
	char *p;

	if (f == NULL)
		return;
	s = &f->s[h->dir];
	/*
	 * The strings of the variable part: 0 the body file, 5 the URL,
	 * 6 and 7 its MD5 and SHA-256 (absent from older httpsplits).
	 */
	for (i = 0, off = 0; i < 8; i++) {
		str[i] = "";
		if (off < h->varlen) {
			n = strnlen(h->var + off, h->varlen - off);
			if (off + n < h->varlen)	/* NUL-terminated */
				str[i] = h->var + off;
			off += n + 1;
		}
	}
	flen = strlen(str[0]);
	if (h->body_len == 0 && flen == 0)
		return;
	tot = flen + 1 + strlen(str[5]) + 1 + strlen(str[6]) + 1 +
	    strlen(str[7]) + 1;
	if (s->nruns >= RUNS_MAX || s->runstr + tot > RUNS_STR_MAX) {
		s->runs_dropped++;
		return;
	}
	if (s->nruns == s->capruns) {
		s->capruns = s->capruns ? s->capruns * 2 : 8;
		s->runs = fk_reallocarray(s->runs, s->capruns, sizeof(*r));
	}
	r = &s->runs[s->nruns++];
	r->offset = h->body_offset;
	r->len = h->body_len;
	r->decoded_len = h->decoded_len;
	p = r->file = fk_malloc(tot);
	for (i = 0; i < 8; i++) {
		if (i != 0 && i < 5)
			continue;
		n = strlen(str[i]) + 1;
		memcpy(p, str[i], n);
		if (i == 5)
			r->url = p;
		else if (i == 6)
			r->md5 = p;
		else if (i == 7)
			r->sha256 = p;
		p += n;
	}
	s->runstr += tot;
}

static void
on_open(struct fk_stage *sg, const struct fk_open *o)
{
	char name[2][FK_NAME_MAX];
	size_t len[2];
	struct flow *f = fk_idmap_get(&flows, o->flow_id);

	if (f != NULL)
		finish(f, NULL);	/* the id again before its close */
	f = getflow(o->flow_id);
	f->o = *o;
	f->have_open = 1;
	seen_ts(&f->s[0], o->ts_ns);
	/* tcpflow's names; FLOW_NAME records (flowname) replace them. */
	fk_namer_open(&namer, &f->nf, o, name, len);
	for (int d = 0; d < 2; d++) {
		free(f->s[d].name);
		f->s[d].name = fk_name_dup_safe(name[d], len[d], 0,
		    &f->s[d].namelen, NULL);
	}
}

/* Flows without a FLOW_CLOSE at the end of input, in id order. */
static void
finish_open(void)
{
	size_t i, n;
	void **v = fk_idmap_sorted(&flows, &n);

	for (i = 0; i < n; i++)
		finish((struct flow *)v[i], NULL);
	free(v);
}

static void
on_close(struct fk_stage *sg, const struct fk_close *c)
{
	struct flow *f;

	if ((f = getflow(c->flow_id)) != NULL)
		finish(f, c);
}

static const struct fk_stage_ops ops = {
	.open = on_open, .data = on_data, .gap = on_gap, .name = on_name,
	.http = on_http, .close = on_close,
	.needs = "stream records in the input: put reasm before dfxmlgen",
};

static double
tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

static void
trailer(void)
{
	struct rusage ru;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(rep, "  </configuration>\n"
	    "  <summary />\n"
	    "  <max_open_flows>%zu</max_open_flows>\n"
	    "  <total_flows>%llu</total_flows>\n"
	    "  <total_packets>%llu</total_packets>\n", max_open,
	    ull(total_flows), ull(total_packets));
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		fprintf(rep, "  <rusage>\n"
		    "    <utime>%.6f</utime>\n"
		    "    <stime>%.6f</stime>\n"
		    "    <maxrss>%ld</maxrss>\n"
		    "    <minflt>%ld</minflt>\n"
		    "    <majflt>%ld</majflt>\n"
		    "    <nswap>%ld</nswap>\n"
		    "    <inblock>%ld</inblock>\n"
		    "    <oublock>%ld</oublock>\n"
		    "    <clocktime>%.6f</clocktime>\n"
		    "  </rusage>\n", tv(ru.ru_utime), tv(ru.ru_stime),
		    ru.ru_maxrss, ru.ru_minflt, ru.ru_majflt, ru.ru_nswap,
		    ru.ru_inblock, ru.ru_oublock,
		    (double)(now.tv_sec - t_start.tv_sec) +
		    (double)(now.tv_nsec - t_start.tv_nsec) / 1e9);
	fputs("</dfxml>\n", rep);
	check_rep();
}

int
main(int argc, char *argv[])
{
	struct fk_in in;
	struct fk_out out;
	const char *ofile = NULL;
	struct fk_report report;
	int ch, pass, force_pass = 0;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	clock_gettime(CLOCK_MONOTONIC, &t_start);
	while ((ch = getopt(argc, argv, "Va:b:d:ho:p")) != -1)
		switch (ch) {
		case 'a': {
			int m = fk_digest_parse(optarg);

			if (m < 0) {
				warnx("-a: md5, sha1, sha256, all or none, "
				    "not %s", optarg);
				fk_usage();
			}
			algs = (unsigned)m;
			break;
		}
		case 'b':
			bodydir = optarg;
			break;
		case 'd':
			outdir = optarg;
			break;
		case 'o':
			ofile = optarg;
			break;
		case 'p':
			force_pass = 1;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	if (optind != argc || ofile == NULL)
		fk_usage();
	if (bodydir == NULL)
		bodydir = outdir;

	fk_report_open(&report, ofile);
	rep = report.f;
	repname = report.name;
	pass = rep != stdout;
	/* no control character from the stream reaches a terminal raw */
	fk_xml_termsafe(isatty(fileno(rep)));

	fk_hash_seed_init();
	fk_idmap_init(&flows);
	fk_namer_init(&namer, FK_NAME_TEMPLATE, 0);
	fk_in_open(&in, 0, "<stdin>");
	if (pass)	/* records go on to a pipe, or with -p */
		fk_out_open_pass(&out, 1, "<stdout>", force_pass);
	header(argc, argv);

	fk_stage_run(&in, pass ? &out : NULL, &ops, NULL);
	finish_open();
	trailer();
	fk_report_close(&report, fk_in_cut(&in) == 1);
	if (pass)
		fk_out_close(&out);
	fk_in_close(&in);
	fk_idmap_free(&flows);
	fk_namer_free(&namer);
	return fk_io_exit(&in, FK_EX_OK);
}
