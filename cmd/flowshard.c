/*
 * flowshard - split a packet record stream into N streams by a symmetric
 * flow hash, so that N pipelines can reassemble it in parallel, on one
 * host or many.  See flowshard(1).
 *
 * flowshard [-hVv] [-k key] -n shards -o prefix
 * flowshard [-hVv] [-k key] -n shards -x command
 *
 * Every PACKET goes to shard hash(key, host pair) mod N, where the host
 * pair is the two IP addresses in canonical order (and the VLAN ids with
 * -V): every packet of a TCP connection, both directions and all IP
 * fragments, lands in the same shard.  The hash is fk_hash() keyed with
 * a fixed key (-k), not the per-process random seed, so that the same
 * capture shards the same way on every host.  Packets without IP
 * addresses and all other records go to shard 0.
 *
 * With -x the shard streams are pipes to N copies of `sh -c command'.
 * A supervisor process forks the N commands and a splitter process and
 * waits for them all: the splitter may end early (EPIPE ends a flowkit
 * program quietly), and the supervisor still reports a failed command.
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fk_decode.h"
#include "fk_flowkey.h"
#include "fk_hash.h"
#include "fk_io.h"
#include "fk_ofile.h"
#include "fk_record.h"
#include "fk_util.h"

#define MAX_SHARDS	256

struct shard {
	struct fk_out out;
	int fd;
	char name[64];
	uint64_t packets, records, bytes;
};

static struct shard *shards;
static unsigned nshards;
static int vlan_key, verbose;
static int remote;	/* -x may send the shards to another host */

static const struct fk_opthelp opthelp[] = {
	{ "-k key", "the hash key, decimal or 0x hex (default 0)" },
	{ "-n shards", "the number of streams, from 1 to 256" },
	{ "-o prefix", "write shard i to the file prefixi.fk" },
	{ "-V", "add the VLAN ids to the key" },
	{ "-v", "print each shard's packets, records and bytes at the end" },
	{ "-x command", "run shards copies of sh -c command, one per stream" },
	{ NULL, NULL }
};

static const struct fk_cmd cmdline = {
	.usage =
	    "usage: flowshard [-hVv] [-k key] -n shards -o prefix\n"
	    "       flowshard [-hVv] [-k key] -n shards -x command\n",
	.about =
	    "Split packets by host pair into streams that reassemble in parallel.",
	.opts = opthelp,
	.vopt = 0,
};

/* -k: a 64-bit number, decimal or 0x hex. */
static unsigned long long
parse_key(const char *s)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
		goto bad;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		goto bad;
	return v;
bad:
	errx(FK_EX_USAGE, "-k: '%s' is not a 64-bit number", s);
}

/*
 * Key fk_hash() with the fixed key: its only keying interface is
 * FK_HASH_SEED, which is put back afterwards so that the -x commands
 * keep their own random seeds.
 */
static void
hash_key(unsigned long long key)
{
	const char *e = getenv("FK_HASH_SEED");
	char *old = e ? fk_strdup(e) : NULL;
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", key);
	if (setenv("FK_HASH_SEED", buf, 1) != 0)
		err(FK_EX_FAIL, "setenv");
	fk_hash_seed_init();
	if (old ? setenv("FK_HASH_SEED", old, 1) : unsetenv("FK_HASH_SEED"))
		err(FK_EX_FAIL, "setenv");
	free(old);
}

/*
 * The shard of a PACKET record, or -1 if its body is too short: the
 * flow key with the ports and protocol zeroed is the host pair.
 */
static int
shard_of(const struct fk_rec *rec)
{
	struct fk_packet pk;
	struct fk_pkt p;
	struct fk_flowkey k;

	if (fk_packet_decode(rec, &pk) < 0)
		return -1;
	(void)fk_decode(pk.linktype, pk.data, pk.caplen, pk.origlen, &p);
	if (p.family != 4 && p.family != 6)
		return 0;	/* no IP addresses */
	if (p.tun_id != 0) {
		/*
		 * A keyed tunnel: its outermost host pair and VLANs,
		 * which its fragments (not decoded into the tunnel)
		 * have too.
		 */
		p.nvlan = p.tun_nvlan;
		p.family = p.tun_family;
		memcpy(p.src, p.tun_src, 16);
		memcpy(p.dst, p.tun_dst, 16);
		p.tun_id = 0;
	}
	fk_flowkey_make(&k, &p, 0);
	k.port[0] = k.port[1] = 0;
	if (!vlan_key)
		fk_flowkey_novlan(&k);
	return (int)(fk_hash(&k, FK_FLOWKEY_HOSTS_LEN) % nshards);
}

static void
close_all(void)
{
	for (unsigned i = 0; i < nshards; i++) {
		fk_out_close(&shards[i].out);
		fk_close_checked(shards[i].fd, shards[i].name);
		if (verbose)
			fprintf(stderr, "flowshard: shard %u: %llu packets, "
			    "%llu records, %llu bytes\n", i,
			    (unsigned long long)shards[i].packets,
			    (unsigned long long)shards[i].records,
			    (unsigned long long)shards[i].bytes);
	}
}

/* 1 if cmd has the word w (delimited by anything but [A-Za-z0-9_.-]). */
static int
has_word(const char *cmd, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(cmd, w); p != NULL; p = strstr(p + 1, w)) {
		int before = p == cmd || !(isalnum((unsigned char)p[-1]) ||
		    strchr("_.-", p[-1]) != NULL);
		int after = !(isalnum((unsigned char)p[n]) ||
		    (p[n] != '\0' && strchr("_.-", p[n]) != NULL));

		if (before && after)
			return 1;
	}
	return 0;
}

/* Read stdin, write each record to its shard; returns an exit code. */
static int
split(void)
{
	struct fk_in in;
	struct fk_rec rec;
	struct shard *s;
	int r, i;

	for (unsigned j = 0; j < nshards; j++) {
		fk_out_open(&shards[j].out, shards[j].fd, shards[j].name);
		if (remote)
			fk_out_inline(&shards[j].out);
	}
	fk_in_open(&in, 0, "<stdin>");
	while ((r = fk_in_next(&in, &rec)) > 0) {
		i = rec.type == FK_REC_PACKET ? shard_of(&rec) : 0;
		if (i < 0) {
			close_all();
			fk_in_bad(&in, &rec, "body shorter than its fixed part");
		}
		s = &shards[i];
		if (rec.type == FK_REC_PACKET)
			s->packets++;
		s->records++;
		s->bytes += FK_REC_HDR_LEN + (uint64_t)rec.len;
		fk_out_copy(&s->out, &rec);
	}
	/* Damage: what came before it is written, then exit 3. */
	if (r < 0)
		fk_io_status(FK_END_INCOMPLETE, FK_EX_DATA, "%s", in.err);
	close_all();
	if (r < 0)
		warnx("%s", in.err);
	fk_in_close(&in);
	return fk_io_exit(&in, r < 0 ? FK_EX_DATA : FK_EX_OK);
}

static int
open_files(const char *prefix)
{
	for (unsigned i = 0; i < nshards; i++) {
		struct shard *s = &shards[i];
		int n = snprintf(s->name, sizeof(s->name), "%s%u.fk", prefix,
		    i);

		if (n < 0 || (size_t)n >= sizeof(s->name))
			errx(FK_EX_USAGE, "-o %s: prefix too long", prefix);
		s->fd = fk_open_named(s->name, O_WRONLY | O_CREAT | O_TRUNC);
		if (s->fd < 0)
			err(FK_EX_FAIL, "%s", s->name);
	}
	return split();
}

/* Describe a wait(2) status; 0 if it is a clean exit 0. */
static int
failed(int st, char *buf, size_t len)
{
	if (WIFEXITED(st)) {
		snprintf(buf, len, "exited %d", WEXITSTATUS(st));
		return WEXITSTATUS(st) != 0;
	}
	if (WIFSIGNALED(st)) {
		snprintf(buf, len, "killed by signal %d", WTERMSIG(st));
		return 1;
	}
	snprintf(buf, len, "status %#x", st);
	return 1;
}

static int
run_commands(const char *cmd)
{
	pid_t *pid = fk_calloc(nshards + 1, sizeof(*pid)), p;
	int rc = FK_EX_OK, st, left;
	char why[64];

	for (unsigned i = 0; i < nshards; i++) {
		int fds[2];

		if (pipe2(fds, O_CLOEXEC) < 0)
			err(FK_EX_FAIL, "pipe");
		if ((pid[i] = fork()) < 0)
			err(FK_EX_FAIL, "fork");
		if (pid[i] == 0) {
			char n[16];

			/* dup2 clears close-on-exec: only this pipe stays */
			if (dup2(fds[0], 0) < 0) {
				warn("dup2");
				_exit(127);
			}
			snprintf(n, sizeof(n), "%u", i);
			setenv("FK_SHARD", n, 1);
			snprintf(n, sizeof(n), "%u", nshards);
			setenv("FK_SHARDS", n, 1);
			signal(SIGPIPE, SIG_DFL);
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			warn("/bin/sh");
			_exit(127);
		}
		close(fds[0]);
		shards[i].fd = fds[1];
		snprintf(shards[i].name, sizeof(shards[i].name),
		    "the pipe to command %u", i);
	}
	if ((pid[nshards] = fork()) < 0)
		err(FK_EX_FAIL, "fork");
	if (pid[nshards] == 0)
		_exit(split());
	for (unsigned i = 0; i < nshards; i++)
		close(shards[i].fd);
	close(0);

	/* Wait for all; the splitter's failure first, then the commands'. */
	for (left = (int)nshards + 1; left > 0; left--) {
		unsigned i;

		while ((p = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
			continue;
		if (p < 0)
			err(FK_EX_FAIL, "waitpid");
		for (i = 0; i <= nshards && pid[i] != p; i++)
			continue;
		if (i > nshards || !failed(st, why, sizeof(why)))
			continue;
		if (i == nshards) {
			rc = WIFEXITED(st) ? WEXITSTATUS(st) : FK_EX_FAIL;
			continue;
		}
		warnx("shard %u: command %s", i, why);
		if (rc == FK_EX_OK)
			rc = FK_EX_FAIL;
	}
	free(pid);
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *prefix = NULL, *cmd = NULL;
	unsigned long long key = 0;
	int ch;

	fk_init(argv[0]);
	fk_cmdline(argc, argv, &cmdline);
	while ((ch = getopt(argc, argv, "Vhk:n:o:vx:")) != -1)
		switch (ch) {
		case 'V':
			vlan_key = 1;
			break;
		case 'k':
			key = parse_key(optarg);
			break;
		case 'n':
			nshards = (unsigned)fk_strtonum(optarg, 1, MAX_SHARDS,
			    "-n");
			break;
		case 'o':
			prefix = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'x':
			cmd = optarg;
			/*
			 * Bytes go inline where they may leave this machine:
			 * references to capture files mean nothing there.
			 */
			remote = has_word(cmd, "ssh");
			break;
		case 'h':
			fk_help();
		default:
			fk_usage();
		}
	if (optind != argc || nshards == 0 || (prefix == NULL) ==
	    (cmd == NULL))
		fk_usage();
	hash_key(key);
	shards = fk_calloc(nshards, sizeof(*shards));
	if (prefix != NULL)
		return open_files(prefix);
	return run_commands(cmd);
}
