/*
 * pcapcat - read packet captures (or capture live) and emit a flowkit
 * record stream: one PACKET record per frame, then one STATS record.
 *
 * pcapcat [-hpqVv] [-B buffer_size] [-c count] [-i iface] [-P seconds]
 *     [-r file]... [-s snaplen] [-Z user] [expression]
 *
 * Files are read by common/fk_capfile.c through zlib, so pcap, pcapng
 * and their gzip-compressed forms all take the same path.  libpcap is
 * used for live capture and for compiling the BPF expression only.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pcap/pcap.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fk_capfile.h"
#include "fk_io.h"
#include "fk_record.h"
#include "fk_progress.h"
#include "fk_ref.h"
#include "fk_sig.h"
#include "fk_util.h"

#define LIVE_SNAPLEN	262144
#define LIVE_BUFSIZE	(64 << 20)	/* -B default: ~0.5 s at 1 Gbit/s */
/*
 * Live capture reads the ring a block at a time: the kernel hands a
 * block over when it is full or LIVE_LATENCY_MS after its first packet,
 * so pcapcat (and the stages after it) wake per block, not per packet,
 * and a quiet link's records still leave within that bound.
 */
#define LIVE_LATENCY_MS	100
#define GZ_BUFSIZE	(1u << 20)
#define MAP_DROP	(8u << 20)	/* unmapped behind, see read_packets */

static struct fk_out out;
static int qflag, vflag;
static uint64_t maxcount;	/* -c; 0: no limit */
static uint32_t snaplen;	/* -s; 0: not given */
static long long bufsize = LIVE_BUFSIZE;	/* -B, bytes */
static char *expr;		/* the BPF expression, or NULL */
static uint64_t npackets, nfiltered, ndamaged;
static int ioerror;

/*
 * Progress on stderr (fk_progress): the sizes of the inputs read before
 * the current one, the offset its capture starts at (a file on stdin
 * may have been read into), and its gzip stream if it is read through
 * zlib.  Offsets are in the files, as their sizes are.
 */
static struct fk_progress progress;
static uint64_t prog_base, prog_fileoff;
static uint64_t prog_cut;	/* where reading stopped early, or UINT64_MAX */
static gzFile prog_gz;

/* One compiled filter per link type, made when first needed. */
struct filter {
	uint32_t linktype;
	int ok;
	struct bpf_program prog;
};
static struct filter *filters;
static size_t nfilters;

static pcap_t *live;
static volatile sig_atomic_t stopsig;	/* SIGHUP */
/* Reading a pipe: on SIGINT read on to its end (its writer stops). */
static int input_pipe;

static const struct fk_opthelp opthelp[] = {
	{ "-B buffer_size", "with -i, the kernel buffer in KiB, or 8m... (64m)" },
	{ "-c count", "stop after writing count packets" },
	{ "-i iface", "capture live from iface instead of reading files" },
	{ "-P seconds", "print a progress line every seconds (for logs)" },
	{ "-p", "with -i, do not put the interface in promiscuous mode" },
	{ "-q", "no progress on a terminal; with -i, no statistics either" },
	{ "-R", "packet bytes inline: no references to the files read" },
	{ "-r file", "read file (- is stdin; repeat for more files)" },
	{ "-s snaplen", "keep at most snaplen bytes of each packet" },
	{ "-v", "print a line per file and, with -i, the statistics" },
	{ "-Z user", "run as user once the inputs are open" },
	{ "expression", "keep only the packets it matches (pcap-filter(7))" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: pcapcat [-hpqRVv] [-B buffer_size] [-c count] [-i iface]\n"
	    "               [-P seconds] [-r file] ... "
	    "[-s snaplen] [-Z user] [expression]\n",
	.about = "Read packet captures, or capture live, as a record stream.",
	.opts = opthelp,
	.vopt = 'V',
};

/*
 * LINKTYPE_* values (files) and DLT_* values (libpcap) differ for a few
 * link types; see pcap-linktype(7).
 */
static const struct {
	uint32_t linktype;
	int dlt;
} ltmap[] = {
	{ 100, DLT_ATM_RFC1483 },
	{ 101, DLT_RAW },
	{ 102, DLT_SLIP_BSDOS },
	{ 103, DLT_PPP_BSDOS },
	{ 106, DLT_ATM_CLIP },
};

static int
lt_to_dlt(uint32_t lt)
{
	for (size_t i = 0; i < FK_ARRAY_LEN(ltmap); i++)
		if (ltmap[i].linktype == lt)
			return ltmap[i].dlt;
	return (int)lt;
}

static uint32_t
dlt_to_lt(int dlt)
{
	for (size_t i = 0; i < FK_ARRAY_LEN(ltmap); i++)
		if (ltmap[i].dlt == dlt)
			return ltmap[i].linktype;
	return (uint32_t)dlt;
}

/* Compile expr for a DLT; NULL, or libpcap's message in msg. */
static int
compile(int dlt, struct bpf_program *prog, char *msg, size_t msglen)
{
	pcap_t *p = pcap_open_dead(dlt, LIVE_SNAPLEN);

	if (p == NULL) {
		snprintf(msg, msglen, "pcap_open_dead failed");
		return -1;
	}
	if (pcap_compile(p, prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(msg, msglen, "%s", pcap_geterr(p));
		pcap_close(p);
		return -1;
	}
	pcap_close(p);
	return 0;
}

/*
 * Check the expression before any output: it must compile for Ethernet
 * or for raw IP.  Link types it does not fit are handled per packet.
 */
static void
check_expr(void)
{
	struct bpf_program prog;
	char msg[PCAP_ERRBUF_SIZE + 64], msg2[PCAP_ERRBUF_SIZE + 64];

	if (compile(DLT_EN10MB, &prog, msg, sizeof(msg)) == 0 ||
	    compile(DLT_RAW, &prog, msg2, sizeof(msg2)) == 0) {
		pcap_freecode(&prog);
		return;
	}
	errx(FK_EX_USAGE, "bad filter expression: %s", msg);
}

static struct filter *
filter_for(uint32_t lt)
{
	char msg[PCAP_ERRBUF_SIZE + 64];
	struct filter *f;

	for (size_t i = 0; i < nfilters; i++)
		if (filters[i].linktype == lt)
			return &filters[i];
	filters = fk_reallocarray(filters, nfilters + 1, sizeof(*filters));
	f = &filters[nfilters++];
	f->linktype = lt;
	f->ok = compile(lt_to_dlt(lt), &f->prog, msg, sizeof(msg)) == 0;
	if (!f->ok) {
		fk_progress_break(&progress);
		warnx("filter does not apply to link type %u, its packets "
		    "are dropped: %s", lt, msg);
	}
	return f;
}

static int
match(const struct fk_cap_pkt *pkt)
{
	struct filter *f;
	struct pcap_pkthdr h;

	if (expr == NULL)
		return 1;
	if (nfilters > 0 && filters[0].linktype == pkt->linktype)
		f = &filters[0];
	else
		f = filter_for(pkt->linktype);
	if (!f->ok)
		return 0;
	memset(&h, 0, sizeof(h));
	h.caplen = pkt->caplen;
	h.len = pkt->origlen;
	return pcap_offline_filter(&f->prog, &h, pkt->data) != 0;
}

/*
 * A capture read as references (read_refs): its reader, and the file
 * offset of the reader's offset 0.
 */
static struct fk_cap *refcap;
static uint64_t ref_fileoff;
static int rflag;		/* -R */

/* Emit one packet unless filtered out; 0 when -c is reached. */
static int
emit(struct fk_cap_pkt *pkt, uint32_t ifbase, int filter)
{
	struct fk_packet p;

	if (snaplen != 0 && pkt->caplen > snaplen)
		pkt->caplen = snaplen;
	if (filter && !match(pkt)) {
		nfiltered++;
		return 1;
	}
	p.ts_ns = pkt->ts_ns;
	p.linktype = pkt->linktype;
	p.origlen = pkt->origlen;
	p.ifindex = ifbase | (pkt->ifindex & 0xffff);
	p.caplen = pkt->caplen;
	p.data = pkt->data;
	if (refcap != NULL)	/* where the bytes are in the file */
		fk_ref_source_at(p.data, p.caplen, ref_fileoff + refcap->off +
		    (uint64_t)(p.data - refcap->buf) - refcap->start);
	fk_packet_emit(&out, &p);
	npackets++;
	return maxcount == 0 || npackets < maxcount;
}

/* ---- reading files */

static ssize_t
gz_read(void *ctx, void *buf, size_t len, char *why, size_t whylen)
{
	gzFile gz = ctx;
	const char *msg;
	int n, errnum;

	if (len > INT_MAX / 2)
		len = INT_MAX / 2;
	n = gzread(gz, buf, (unsigned)len);
	if (n > 0)
		return n;
	msg = gzerror(gz, &errnum);
	if (errnum == Z_ERRNO)
		return -1;
	if (n == 0 && errnum == Z_OK)
		return 0;
	if (errnum == Z_BUF_ERROR)
		snprintf(why, whylen, "compressed data ends early");
	else
		snprintf(why, whylen, "gzip: %s", msg);
	return -2;
}

static int
open_input(const char *path)
{
	int fd;

	if (strcmp(path, "-") == 0)
		return dup(0);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	return fd;
}

/* A capture read in place (mmap). */
static const uint8_t *map_base;
static size_t map_len;
static size_t map_skip;		/* bytes mapped before the capture */

/* Bytes of the inputs read up to the packet pkt; UINT64_MAX: unknown. */
static uint64_t
prog_bytes(const struct fk_cap_pkt *pkt)
{
	z_off_t o;

	if (prog_gz == NULL || gzdirect(prog_gz))
		return prog_base + prog_fileoff + pkt->offset;
	o = gzoffset(prog_gz);
	return o < 0 ? UINT64_MAX : prog_base + (uint64_t)o;
}

/*
 * The packets of an opened capture (r: what fk_cap_open said).  Return
 * 0 when -c has been reached.  When the capture is mapped, the pages
 * behind are dropped from the mapping every MAP_DROP bytes (they stay
 * in the page cache), so the resident size stays small.
 */
static int
read_packets(struct fk_cap *cap, int r, const char *name, uint32_t fileidx)
{
	struct fk_cap_pkt pkt;
	size_t dropped = 0;
	int more = 1;

	prog_cut = UINT64_MAX;
	if (r == 0) {
		while ((r = fk_cap_next(cap, &pkt)) == FK_CAP_PACKET) {
			if (!(more = emit(&pkt, fileidx << 16, 1))) {
				prog_cut = prog_bytes(&pkt);
				break;
			}
			if (fk_progress_due(&progress))
				fk_progress_show(&progress, prog_bytes(&pkt),
				    npackets + nfiltered);
			if (fk_sig_count() > 0 && !input_pipe) {
				more = 0;	/* interrupted: stop here */
				prog_cut = prog_bytes(&pkt);
				break;
			}
			if (cap->mem != NULL &&
			    map_skip + cap->start - dropped >= MAP_DROP) {
				fk_out_flush(&out);
				madvise((void *)(uintptr_t)(map_base + dropped),
				    MAP_DROP, MADV_DONTNEED);
				dropped += MAP_DROP;
			}
		}
	}
	/* Said on stderr, and in the END record for later stages. */
	if ((r == FK_CAP_EOF && cap->note[0]) || r == FK_CAP_DAMAGED ||
	    r == FK_CAP_IOERR || vflag)
		fk_progress_break(&progress);
	if (r == FK_CAP_EOF && cap->note[0]) {
		warnx("%s: %s", name, cap->note);
		fk_io_status(FK_END_COMPLETE, FK_EX_DATA, "%s: %s", name,
		    cap->note);
		ndamaged++;
	} else if (r == FK_CAP_DAMAGED) {
		warnx("%s: %s", name, cap->err);
		fk_io_status(FK_END_COMPLETE, FK_EX_DATA, "%s: %s", name,
		    cap->err);
		ndamaged++;
	} else if (r == FK_CAP_IOERR) {
		warnx("%s: %s", name, cap->err);
		fk_io_status(FK_END_INCOMPLETE, FK_EX_FAIL, "%s: %s", name,
		    cap->err);
		ioerror = 1;
	}
	if (vflag)
		fprintf(stderr, "pcapcat: %s: %s, %llu packets, %u interfaces\n",
		    name, fk_cap_formatname(cap),
		    (unsigned long long)cap->npkt, cap->nif);
	return more;
}

/*
 * A regular file that is not gzip'd is mapped (map_base, map_len) and
 * read in place.  To a pipe, packets are references to it (fk_ref.h):
 * their bytes do not go through the pipes at all; elsewhere they go
 * from the page cache to the output in one copy (the output refers to
 * them: fk_out_stable).  It is read from the descriptor's offset, as
 * read(2) would (stdin may be a file a script has read a prefix of):
 * the mapping starts at the page that holds it, map_skip bytes before.
 * 0 if it cannot be.  If the file shrinks meanwhile (SIGBUS), fk_ref
 * says so and exits.
 */
/* A regular file of `size` bytes was read (up to -c: prog_cut). */
static void
whole_file(off_t size)
{
	prog_base = prog_cut != UINT64_MAX ? prog_cut :
	    prog_base + (uint64_t)size;
}

/*
 * fd is a regular file that is not gzip'd, from its offset *off on; 0 if
 * not.
 */
static int
plain_file(int fd, off_t *off, struct stat *st)
{
	uint8_t magic[2];

	*off = lseek(fd, 0, SEEK_CUR);
	return *off >= 0 && fstat(fd, st) == 0 && S_ISREG(st->st_mode) &&
	    st->st_size >= *off + 24 &&
	    (uintmax_t)st->st_size <= SIZE_MAX / 2 &&
	    pread(fd, magic, 2, *off) == 2 &&
	    !(magic[0] == 0x1f && magic[1] == 0x8b);
}

/* A plain file read with read(2): its descriptor and size when opened. */
struct plain {
	int fd;
	off_t size;
};

static ssize_t
fd_read(void *ctx, void *buf, size_t len, char *why, size_t whylen)
{
	struct plain *pl = ctx;
	struct stat st;
	ssize_t n;

	while ((n = read(pl->fd, buf, len)) < 0 && errno == EINTR)
		fk_sig_check();
	/* the end, before the end: later stages would miss its bytes */
	if (n == 0 && fstat(pl->fd, &st) == 0 && st.st_size < pl->size) {
		snprintf(why, whylen, "the file shrank while being read");
		return -3;
	}
	return n;
}

/*
 * To a pipe, the packets of a plain file are references to it: only
 * their record headers are read and written (read(2), not mmap: on a
 * virtual machine walking a mapped capture costs more in page faults
 * and TLB misses than copying it).  0 if the file cannot be referred
 * to; else *more as read_packets() says, and fd is closed.
 */
static int
read_refs(int fd, const char *path, const char *name, uint32_t fileidx,
    int *more)
{
	struct fk_cap cap;
	struct stat st;
	struct plain pl;
	off_t off;
	int r;

	if (rflag || !out.refs || !plain_file(fd, &off, &st) ||
	    fk_ref_source(fd, path, NULL, 0, 0) == 0)
		return 0;
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	ref_fileoff = (uint64_t)off;
	pl.fd = fd;
	pl.size = st.st_size;
	r = fk_cap_open(&cap, fd_read, &pl, name, snaplen);
	refcap = &cap;
	*more = read_packets(&cap, r, name, fileidx);
	refcap = NULL;
	fk_cap_close(&cap);
	fk_ref_source_end();
	close(fd);
	whole_file(st.st_size);
	return 1;
}

static int
map_file(int fd, const char *path)
{
	struct stat st;
	off_t off, at;
	long pg = sysconf(_SC_PAGESIZE);
	void *p;

	if (pg <= 0 || !plain_file(fd, &off, &st))
		return 0;
	at = off - off % pg;
	p = mmap(NULL, (size_t)(st.st_size - at), PROT_READ, MAP_PRIVATE, fd,
	    at);
	if (p == MAP_FAILED)
		return 0;
	madvise(p, (size_t)(st.st_size - at), MADV_SEQUENTIAL);
	fk_ref_source(fd, path, p, (size_t)(st.st_size - at), (uint64_t)at);
	map_len = (size_t)(st.st_size - at);
	map_skip = (size_t)(off - at);
	map_base = p;
	return 1;
}

/* Read one capture; fd is closed.  Return 0 when -c has been reached. */
static int
read_file(const char *path, int fd, uint32_t fileidx)
{
	const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	struct fk_cap cap;
	struct stat sb;
	gzFile gz;
	int r, more;

	input_pipe = fstat(fd, &sb) == 0 && !S_ISREG(sb.st_mode);
	prog_fileoff = (uint64_t)lseek(fd, 0, SEEK_CUR);
	if (input_pipe || prog_fileoff == (uint64_t)-1)
		prog_fileoff = 0;
	if (read_refs(fd, path, name, fileidx, &more))
		return more;
	if (map_file(fd, path)) {
		close(fd);
		fk_out_stable(&out, map_base, map_len, name);
		r = fk_cap_open_mem(&cap, map_base + map_skip,
		    map_len - map_skip, name, snaplen);
		more = read_packets(&cap, r, name, fileidx);
		fk_cap_close(&cap);
		fk_out_stable(&out, NULL, 0, NULL);	/* written: unmap */
		fk_ref_source_end();
		munmap((void *)(uintptr_t)map_base, map_len);
		map_base = NULL;
		whole_file(sb.st_size);
		return more;
	}
	if ((gz = gzdopen(fd, "rb")) == NULL)
		err(FK_EX_FAIL, "%s: gzdopen", name);
	gzbuffer(gz, GZ_BUFSIZE);
	r = fk_cap_open(&cap, gz_read, gz, name, snaplen);
	prog_gz = gz;
	more = read_packets(&cap, r, name, fileidx);
	fk_cap_close(&cap);
	/* the whole file when it is one, else what was read of it */
	if (prog_cut != UINT64_MAX)
		prog_base = prog_cut;
	else if (S_ISREG(sb.st_mode))
		prog_base += (uint64_t)sb.st_size;
	else if (gzdirect(gz) || gzoffset(gz) < 0)
		prog_base += cap.off;
	else
		prog_base += (uint64_t)gzoffset(gz);
	prog_gz = NULL;
	gzclose(gz);
	return more;
}

/* ---- live capture */

static void
onsig(int sig)
{
	stopsig = sig;
	if (live != NULL)
		pcap_breakloop(live);
}

/* The first SIGINT/SIGTERM (fk_sig): stop capturing. */
static void
onstop(void)
{
	if (live != NULL)
		pcap_breakloop(live);
}

struct livectx {
	uint32_t linktype;
	int nano;
};

static void
live_cb(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	const struct livectx *lc = (const void *)user;
	struct fk_cap_pkt pkt;

	memset(&pkt, 0, sizeof(pkt));
	pkt.ts_ns = (uint64_t)h->ts.tv_sec * 1000000000u +
	    (uint64_t)h->ts.tv_usec * (lc->nano ? 1u : 1000u);
	pkt.linktype = lc->linktype;
	pkt.origlen = h->len;
	pkt.caplen = h->caplen;
	pkt.data = bytes;
	/* The kernel filter already ran. */
	if (!emit(&pkt, 0, 0))
		pcap_breakloop(live);
}

static void
drop_privs(const char *user)
{
	struct passwd *pw;

	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno)
			err(FK_EX_FAIL, "getpwnam %s", user);
		errx(FK_EX_USAGE, "-Z: no such user: %s", user);
	}
	if (setgroups(1, &pw->pw_gid) != 0)
		err(FK_EX_FAIL, "setgroups");
	if (setgid(pw->pw_gid) != 0)
		err(FK_EX_FAIL, "setgid");
	if (setuid(pw->pw_uid) != 0)
		err(FK_EX_FAIL, "setuid");
	if (getuid() != pw->pw_uid || geteuid() != pw->pw_uid ||
	    getgid() != pw->pw_gid || getegid() != pw->pw_gid ||
	    (pw->pw_uid != 0 && setuid(0) == 0))
		errx(FK_EX_FAIL, "-Z %s: could not drop privileges", user);
}

static void
capture(const char *iface, int promisc, const char *user)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct livectx lc;
	struct bpf_program prog;
	struct pcap_stat st;
	struct sigaction sa;
	bpf_u_int32 net = 0, mask = PCAP_NETMASK_UNKNOWN;
	int r;

	ebuf[0] = '\0';
	if ((live = pcap_create(iface, ebuf)) == NULL)
		errx(FK_EX_FAIL, "%s: %s", iface, ebuf);
	pcap_set_snaplen(live, snaplen ? (int)snaplen : LIVE_SNAPLEN);
	pcap_set_promisc(live, promisc);
	pcap_set_timeout(live, LIVE_LATENCY_MS);
	if (pcap_set_buffer_size(live, bufsize > INT_MAX ? INT_MAX :
	    (int)bufsize) != 0)
		errx(FK_EX_FAIL, "%s: -B: cannot set the buffer size", iface);
	/* Not every platform has it; microseconds then. */
	(void)pcap_set_tstamp_precision(live, PCAP_TSTAMP_PRECISION_NANO);
	r = pcap_activate(live);
	if (r < 0)
		errx(FK_EX_FAIL, "%s: %s", iface, r == PCAP_ERROR ?
		    pcap_geterr(live) : pcap_statustostr(r));
	if (r > 0 && r != PCAP_WARNING_TSTAMP_TYPE_NOTSUP)
		warnx("%s: %s", iface, r == PCAP_WARNING ?
		    pcap_geterr(live) : pcap_statustostr(r));
	if (user != NULL)
		drop_privs(user);
	if (expr != NULL) {
		if (pcap_lookupnet(iface, &net, &mask, ebuf) != 0)
			mask = PCAP_NETMASK_UNKNOWN;
		if (pcap_compile(live, &prog, expr, 1, mask) != 0)
			errx(FK_EX_USAGE, "bad filter expression: %s",
			    pcap_geterr(live));
		if (pcap_setfilter(live, &prog) != 0)
			errx(FK_EX_FAIL, "%s: setfilter: %s", iface,
			    pcap_geterr(live));
		pcap_freecode(&prog);
	}
	lc.linktype = dlt_to_lt(pcap_datalink(live));
	lc.nano = pcap_get_tstamp_precision(live) ==
	    PCAP_TSTAMP_PRECISION_NANO;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = onsig;	/* no SA_RESTART: poll() must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGHUP, &sa, NULL);

	if (vflag)
		fprintf(stderr, "pcapcat: listening on %s, link type %u, "
		    "snaplen %d\n", iface, lc.linktype, pcap_snapshot(live));
	while (!stopsig && !fk_sig_count()) {
		r = pcap_dispatch(live, -1, live_cb, (u_char *)&lc);
		fk_out_flush(&out);
		if (r == PCAP_ERROR_BREAK || (maxcount && npackets >= maxcount))
			break;
		if (r == PCAP_ERROR)
			errx(FK_EX_FAIL, "%s: %s", iface, pcap_geterr(live));
	}
	if (pcap_stats(live, &st) == 0) {
		struct fk_statsbuf sb;

		fk_stats_begin(&sb, "pcapcat");
		fk_stats_add(&sb, st.ps_recv, "received");
		fk_stats_add(&sb, st.ps_drop, "dropped");
		fk_stats_add(&sb, st.ps_ifdrop, "ifdropped");
		fk_stats_end(&sb, &out, NULL);
		if (((stopsig || fk_sig_count()) && !qflag) || vflag)
			fprintf(stderr, "pcapcat: %llu packets emitted, %u "
			    "received by filter, %u dropped by kernel, %u "
			    "dropped by interface\n",
			    (unsigned long long)npackets, st.ps_recv,
			    st.ps_drop, st.ps_ifdrop);
	}
	pcap_close(live);
	live = NULL;
}

int
main(int argc, char *argv[])
{
	const char **files = NULL, *iface = NULL, *user = NULL;
	size_t nfiles = 0, len;
	int ch, promisc = 1, *fds = NULL, regular = 1;
	unsigned logsecs = 0;
	uint64_t total = 0;
	struct stat st;
	struct fk_statsbuf sb;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "B:VP:c:hi:pqRr:s:vZ:")) != -1) {
		switch (ch) {
		case 'B':
			/* tcpdump's unit, KiB, unless a suffix says */
			bufsize = fk_strtosize(optarg, 1, INT_MAX,
			    "buffer_size");
			if (optarg[strspn(optarg, "0123456789")] == '\0') {
				if (bufsize > INT_MAX / 1024)
					errx(FK_EX_USAGE, "-B %s: too large "
					    "(at most %d KiB)", optarg,
					    INT_MAX / 1024);
				bufsize *= 1024;
			}
			if (bufsize < 65536)
				errx(FK_EX_USAGE, "-B %s: at least 64 KiB",
				    optarg);
			break;
		case 'c':
			maxcount = (uint64_t)fk_strtonum(optarg, 1, LLONG_MAX,
			    "count");
			break;
		case 'i':
			iface = optarg;
			break;
		case 'P':
			logsecs = (unsigned)fk_strtonum(optarg, 1, 86400,
			    "seconds");
			break;
		case 'p':
			promisc = 0;
			break;
		case 'q':
			qflag = 1;
			break;
		case 'R':
			rflag = 1;
			fk_ref_off();
			break;
		case 'r':
			files = fk_reallocarray(files, nfiles + 1,
			    sizeof(*files));
			files[nfiles++] = optarg;
			break;
		case 's':
			snaplen = (uint32_t)fk_strtosize(optarg, 1,
			    FK_CAP_MAXCAP_LIMIT, "snaplen");
			break;
		case 'v':
			vflag = 1;
			break;
		case 'Z':
			user = optarg;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (iface != NULL && nfiles > 0)
		errx(FK_EX_USAGE, "-i and -r exclude each other");
	if (argc > 0) {
		len = 1;
		for (int i = 0; i < argc; i++)
			len += strlen(argv[i]) + 1;
		expr = fk_malloc(len);
		expr[0] = '\0';
		for (int i = 0; i < argc; i++) {
			if (i > 0)
				strcat(expr, " ");
			strcat(expr, argv[i]);
		}
		if (iface == NULL)
			check_expr();
	}
	if (iface == NULL && nfiles == 0) {
		files = fk_reallocarray(files, 1, sizeof(*files));
		files[nfiles++] = "-";
	}

	fk_out_open(&out, 1, "<stdout>");
	fk_sig_source(onstop);
	if (iface != NULL)
		capture(iface, promisc, user);
	else {
		/* With -Z, open every file before giving up privileges. */
		fds = fk_reallocarray(NULL, nfiles, sizeof(*fds));
		for (size_t i = 0; i < nfiles; i++) {
			fds[i] = -1;
			if (user != NULL && (fds[i] = open_input(files[i])) < 0)
				err(FK_EX_FAIL, "%s", files[i]);
		}
		if (user != NULL)
			drop_privs(user);
		/*
		 * Progress: on a terminal when every input is a file of a
		 * known size, unless -q; with -P as lines, whatever they are.
		 */
		for (size_t i = 0; i < nfiles; i++) {
			int s = fds[i] >= 0 ? fstat(fds[i], &st) :
			    strcmp(files[i], "-") == 0 ? fstat(0, &st) :
			    stat(files[i], &st);

			if (s != 0 || !S_ISREG(st.st_mode))
				regular = 0;
			else
				total += (uint64_t)st.st_size;
		}
		if (logsecs > 0)
			fk_progress_start(&progress, "pcapcat", FK_PROGRESS_LOG,
			    logsecs, regular ? total : 0);
		else if (regular && !qflag)
			fk_progress_start(&progress, "pcapcat", FK_PROGRESS_TTY, 0,
			    total);
		for (size_t i = 0; i < nfiles; i++) {
			if (fds[i] < 0 && (fds[i] = open_input(files[i])) < 0) {
				fk_progress_break(&progress);
				warn("%s", files[i]);
				fk_io_status(FK_END_INCOMPLETE, FK_EX_FAIL,
				    "%s: %s", files[i], strerror(errno));
				ioerror = 1;
				continue;
			}
			if (!read_file(files[i], fds[i], (uint32_t)i)) {
				for (size_t j = i + 1; j < nfiles; j++)
					if (fds[j] >= 0)
						close(fds[j]);
				break;
			}
		}
		free(fds);
		fk_progress_done(&progress, prog_base, npackets + nfiltered);
	}
	fk_stats_begin(&sb, "pcapcat");
	fk_stats_add(&sb, npackets, "packets");
	fk_stats_add(&sb, nfiltered, "filtered");
	fk_stats_add(&sb, ndamaged, "damaged_files");
	fk_stats_end(&sb, &out, NULL);
	/* How the stream ends: later stages finish, or know what failed. */
	if (stopsig || fk_sig_count())
		fk_io_status(FK_END_INTERRUPTED, 0, NULL);
	fk_out_close(&out);
	for (size_t i = 0; i < nfilters; i++)
		if (filters[i].ok)
			pcap_freecode(&filters[i].prog);
	free(filters);
	free(files);
	free(expr);
	if (ioerror)
		return FK_EX_FAIL;
	return ndamaged ? FK_EX_DATA : FK_EX_OK;
}
