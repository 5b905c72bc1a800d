/*
 * writefloor - the floor of flowsplit's job (make bench): write the same
 * bytes into the same files, and do nothing else.
 *
 * writefloor [-v] [-c chunk] -o dir stream
 *
 * Reads a saved record stream (pcapcat -r F | reasm | flowname > stream, a
 * regular file), loads every DATA record's bytes and the name of its
 * direction (FLOW_NAME, sanitized as flowsplit does) into memory first,
 * and then, timed by itself (CLOCK_MONOTONIC), only creates the files
 * below dir (O_RDWR | O_CREAT | O_TRUNC, 0666, as flowsplit), writes each
 * DATA's bytes at its stream offset, in the order of the stream (a GAP
 * writes nothing: a hole, as flowsplit leaves it), and closes each file
 * right after its last write.  It prints the seconds of that write phase
 * on stdout.  (flowsplit closes a file at its flow's FLOW_CLOSE, which
 * reasm may send long after the last byte, and keeps at most -f files
 * open, reopening the ones it evicted: that is its cost, not the floor's.)
 *
 * The bytes stay where they are in the stream file, mapped and faulted in
 * before the timed phase (MAP_POPULATE): copying 1 GB into fresh memory
 * first costs more than writing it on this VM, and would crowd the page
 * cache the files are written into.  A DATA record whose bytes are not in
 * the file as read (a stream that is not one plain stream) is copied.
 *
 * A file is created at its first write and closed after its last, so
 * that few are open at once (the floor needs no descriptor cache).
 * Contiguous bytes of one file are written together with one pwritev(2),
 * up to -c chunk bytes (default 128k, flowsplit's positional buffer,
 * FK_OFILE_PBUF) and IOV_MAX pieces: when the next bytes do not follow on,
 * the chunk is full, or the flow is closed; -c 0 writes each DATA record
 * on its own.  Not done (flowsplit's work besides writing): descriptor
 * cache, one-component-at-a-time opens, mtimes, .partial files, the
 * pass-through.  Names with a '/' get their directories made (mkdirat) in
 * the timed phase, as flowsplit does.
 *
 * -v prints files, bytes, writes, copies and the load time on stderr.
 * Exit 0, 1 (I/O), 2 (usage), 3 (damaged stream or a DATA record of a
 * direction without a FLOW_NAME: put flowname before it).
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "fk_hash.h"
#include "fk_io.h"
#include "fk_name.h"
#include "fk_ofile.h"
#include "fk_record.h"
#include "fk_stage.h"
#include "fk_util.h"

/* One write of the write phase; file indexes files[]. */
struct op {
	uint32_t file;
	uint64_t off;		/* at off, iovs[iov..iov+niov) */
	size_t iov, niov;
};

struct file {
	char *name;
	int fd;
	size_t last;		/* ops[last] is its last write: close after */
};

struct wdir {
	char *name;		/* the latest FLOW_NAME (malloc'd) */
	int64_t file;		/* -1: not created yet */
	struct iovec *pend;	/* contiguous bytes not yet made an op */
	size_t npend, pcap;
	size_t plen;		/* their bytes */
	uint64_t poff;		/* stream offset of the first */
};

struct flow {
	struct wdir d[2];
};

static struct op *ops;
static size_t nops, opcap;
static struct iovec *iovs;
static size_t niovs, iovcap;
static const uint8_t *map;	/* the stream file */
static size_t maplen;
static uint64_t ncopied;
static struct file *files;
static size_t nfiles, filecap;
static struct fk_idmap flows;
static size_t chunk = FK_OFILE_PBUF;
static uint64_t nbytes, nwrites;
static size_t maxopen;

static const struct fk_opthelp opthelp[] = {
	{ "-c chunk", "write contiguous bytes in pieces of up to chunk "
	    "(default 128k; 0: each DATA record alone)" },
	{ "-o dir", "the output directory, made if missing" },
	{ "-v", "files, bytes, writes, copies and the load time on stderr" },
	{ "stream", "the saved record stream, a regular file" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage = "usage: writefloor [-hVv] [-c chunk] -o dir stream\n",
	.about = "Time writing a stream's DATA into flowsplit's files, "
	    "and nothing else.",
	.opts = opthelp,
	.vopt = 'V',
};

static void
add_op(size_t file, uint64_t off, size_t iov, size_t niov)
{
	if (nops == opcap) {
		opcap = opcap ? opcap * 2 : 4096;
		ops = fk_reallocarray(ops, opcap, sizeof(*ops));
	}
	ops[nops++] = (struct op){ (uint32_t)file, off, iov, niov };
}

/* The pending bytes of d become a write. */
static void
emit(struct wdir *d)
{
	if (d->npend == 0)
		return;
	if (niovs + d->npend > iovcap) {
		while (niovs + d->npend > iovcap)
			iovcap = iovcap ? iovcap * 2 : 65536;
		iovs = fk_reallocarray(iovs, iovcap, sizeof(*iovs));
	}
	memcpy(iovs + niovs, d->pend, d->npend * sizeof(*iovs));
	files[d->file].last = nops;
	add_op((size_t)d->file, d->poff, niovs, d->npend);
	niovs += d->npend;
	nwrites++;
	d->npend = d->plen = 0;
}

static void
close_dir(struct wdir *d)
{
	if (d->file >= 0)
		emit(d);
	free(d->name);
	free(d->pend);
	d->name = NULL;
	d->pend = NULL;
	d->pcap = 0;
	d->file = -1;
}

static void
forget(uint64_t id)
{
	struct flow *f = fk_idmap_del(&flows, id);

	if (f != NULL) {
		close_dir(&f->d[0]);
		close_dir(&f->d[1]);
		free(f);
	}
}

static struct flow *
get_flow(uint64_t id)
{
	int added;
	struct flow *f = fk_idmap_obtain(&flows, id, sizeof(*f), &added);

	if (added)
		f->d[0].file = f->d[1].file = -1;
	return f;
}

static void
on_open(struct fk_stage *sg, const struct fk_open *o)
{
	forget(o->flow_id);	/* reopened without a close (flowsplit too) */
	(void)get_flow(o->flow_id);
}

static void
on_name(struct fk_stage *sg, const struct fk_name *nm)
{
	struct wdir *d;
	int unsafe;

	if (nm->flow_id == 0)
		return;
	d = &get_flow(nm->flow_id)->d[nm->dir];
	if (d->file >= 0)	/* created: keep writing it */
		return;
	free(d->name);
	d->name = fk_name_dup_safe(nm->name, nm->len, 0, NULL, &unsafe);
}

/*
 * Where the bytes p..p+len of record rec are in the mapped stream file;
 * a copy if they are not there.
 */
static const uint8_t *
in_map(const struct fk_rec *rec, const uint8_t *p, size_t len)
{
	uint64_t pos = rec->offset + FK_REC_HDR_LEN + (uint64_t)(p - rec->body);
	uint8_t *c;

	if (pos <= maplen && len <= maplen - pos &&
	    memcmp(map + pos, p, len) == 0)
		return map + pos;
	ncopied++;
	c = fk_malloc(len);
	memcpy(c, p, len);
	return c;
}

static int
is_copy(const void *p)
{
	return (const uint8_t *)p < map || (const uint8_t *)p >= map + maplen;
}

static void
on_data(struct fk_stage *sg, const struct fk_data *x)
{
	struct wdir *d;

	if (x->flow_id == 0 || x->len == 0)
		return;
	d = &get_flow(x->flow_id)->d[x->dir];
	if (d->file < 0) {
		if (d->name == NULL) {
			warnx("flow %llu dir %u: DATA without a FLOW_NAME: "
			    "put flowname before writefloor",
			    (unsigned long long)x->flow_id, x->dir);
			exit(FK_EX_DATA);
		}
		if (nfiles == filecap) {
			filecap = filecap ? filecap * 2 : 1024;
			files = fk_reallocarray(files, filecap, sizeof(*files));
		}
		files[nfiles] = (struct file){ fk_strdup(d->name), -1, 0 };
		d->file = (int64_t)nfiles++;
	}
	nbytes += x->len;
	if (d->npend > 0 && (d->poff + d->plen != x->offset ||
	    d->plen + x->len > chunk || d->npend == IOV_MAX))
		emit(d);
	if (d->npend == 0)
		d->poff = x->offset;
	if (d->npend == d->pcap) {
		d->pcap = d->pcap ? d->pcap * 2 : 16;
		d->pend = fk_reallocarray(d->pend, d->pcap, sizeof(*d->pend));
	}
	d->pend[d->npend++] = (struct iovec){ (void *)(uintptr_t)
	    in_map(sg->rec, x->data, x->len), x->len };
	d->plen += x->len;
	if (chunk == 0)
		emit(d);
}

static void
on_close(struct fk_stage *sg, const struct fk_close *c)
{
	forget(c->flow_id);
}

static const struct fk_stage_ops loadops = {
	.open = on_open, .name = on_name, .data = on_data, .close = on_close,
	.needs = "stream records with names: pcapcat | reasm | flowname",
};

/* openat, making the directories of a name with a '/' first. */
static int
create(int dirfd, char *name)
{
	const int flags = O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC;
	int fd;

	if ((fd = openat(dirfd, name, flags, 0666)) < 0 && errno == ENOENT) {
		for (char *s = strchr(name, '/'); s != NULL;
		    s = strchr(s + 1, '/')) {
			*s = '\0';
			if (mkdirat(dirfd, name, 0777) < 0 && errno != EEXIST)
				fk_fail("%s", name);
			*s = '/';
		}
		fd = openat(dirfd, name, flags, 0666);
	}
	if (fd < 0)
		fk_fail("%s", name);
	return fd;
}

/* pwritev all of iov at off (the iovecs are changed on a short write) */
static void
writev_at(const struct file *fl, struct iovec *iov, int n, uint64_t off)
{
	ssize_t w;

	while (n > 0) {
		if ((w = pwritev(fl->fd, iov, (int)n, (off_t)off)) < 0) {
			if (errno == EINTR)
				continue;
			fk_fail("%s", fl->name);
		}
		off += (uint64_t)w;
		fk_iov_advance(&iov, &n, (size_t)w);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	const char *outdir = NULL;
	struct fk_in in;
	struct rlimit rl;
	struct stat sb;
	double t0, t1, t2;
	int ch, fd, dirfd, verbose = 0;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "Vc:ho:v")) != -1)
		switch (ch) {
		case 'c':
			chunk = (size_t)fk_strtosize(optarg, 0, 1 << 30, "-c");
			break;
		case 'o':
			outdir = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fk_help();
		case 'V':
			fk_version();
		default:
			fk_usage();
		}
	if (outdir == NULL || argc - optind != 1)
		fk_usage();
	if ((fd = open(argv[optind], O_RDONLY)) < 0 || fstat(fd, &sb) < 0)
		err(FK_EX_FAIL, "%s", argv[optind]);
	if (!S_ISREG(sb.st_mode) || sb.st_size == 0)
		errx(FK_EX_USAGE, "%s: not a regular file with records",
		    argv[optind]);

	t0 = now();
	maplen = (size_t)sb.st_size;
	map = mmap(NULL, maplen, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		err(FK_EX_FAIL, "%s: mmap", argv[optind]);
	fk_idmap_init(&flows);
	fk_in_open(&in, fd, argv[optind]);
	fk_stage_run(&in, NULL, &loadops, NULL);
	if (fk_in_cut(&in))
		errx(FK_EX_UPSTREAM, "the stream is incomplete");
	fk_in_close(&in);
	close(fd);
	for (size_t i = 0; i <= flows.mask; i++)
		if (flows.slot[i].id != 0) {
			struct flow *f = flows.slot[i].val;

			close_dir(&f->d[0]);
			close_dir(&f->d[1]);
			free(f);
		}
	fk_idmap_free(&flows);
	for (size_t i = 0, n = 0; i < nops; i++) {
		struct file *fl = &files[ops[i].file];

		if (fl->fd == -1) {	/* opened here */
			fl->fd = -2;
			if (++n > maxopen)
				maxopen = n;
		}
		if (fl->last == i) {
			fl->fd = -1;
			n--;
		}
	}
	/* as many descriptors as files open at once, if the limit allows */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < maxopen + 16 &&
	    rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = maxopen + 16 < rl.rlim_max ? maxopen + 16 :
		    rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (mkdir(outdir, 0777) < 0 && errno != EEXIST)
		err(FK_EX_FAIL, "%s", outdir);
	if ((dirfd = open(outdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err(FK_EX_FAIL, "%s", outdir);

	/* the write phase, timed */
	t1 = now();
	for (size_t i = 0; i < nops; i++) {
		struct op *o = &ops[i];
		struct file *fl = &files[o->file];

		if (fl->fd < 0)
			fl->fd = create(dirfd, fl->name);
		writev_at(fl, iovs + o->iov, (int)o->niov, o->off);
		if (fl->last == i) {
			fk_close_checked(fl->fd, fl->name);
			fl->fd = -1;
		}
	}
	t2 = now();

	close(dirfd);
	printf("%.3f\n", t2 - t1);
	if (verbose)
		fprintf(stderr, "writefloor: %zu files (at most %zu open), "
		    "%llu bytes in %llu writes (%llu DATA copied); loaded in "
		    "%.3f s, written in %.3f s\n", nfiles, maxopen,
		    (unsigned long long)nbytes, (unsigned long long)nwrites,
		    (unsigned long long)ncopied, t1 - t0, t2 - t1);
	fk_stdout_check();
	for (size_t i = 0; i < niovs; i++)
		if (is_copy(iovs[i].iov_base))
			free(iovs[i].iov_base);
	munmap((void *)(uintptr_t)map, maplen);
	for (size_t i = 0; i < nfiles; i++)
		free(files[i].name);
	free(ops);
	free(iovs);
	free(files);
	return FK_EX_OK;
}
