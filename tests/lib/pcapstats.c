/*
 * pcapstats.so - an LD_PRELOAD shim for make bench: a program that
 * captures live with libpcap and does not print libpcap's statistics
 * (tcpflow) prints them when it closes the capture, or at exit, the way
 * pcapcat -v does:
 *
 *   pcapstats: R received by filter, D dropped by kernel, I dropped by interface
 *
 * to the file named by FK_PCAPSTATS (else standard error), opened when the
 * capture is (at exit a program may have no descriptor left: tcpflow
 * uses them all).  Only the last live capture opened (pcap_open_live,
 * pcap_activate) is reported.
 *
 * LD_PRELOAD=build/pcapstats.so FK_PCAPSTATS=stats tcpflow -i eth0 -o out
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pcap_t *live;
static int reported;
static int out = -1;		/* FK_PCAPSTATS, opened with the capture */

static void *
real(const char *sym)
{
	void *p = dlsym(RTLD_NEXT, sym);

	if (p == NULL) {
		fprintf(stderr, "pcapstats: %s not found\n", sym);
		abort();
	}
	return p;
}

static void
opened(pcap_t *p)
{
	const char *path = getenv("FK_PCAPSTATS");

	live = p;
	if (out < 0 && path != NULL)
		out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
}

static void
report(pcap_t *p)
{
	struct pcap_stat st;

	if (reported || p == NULL || pcap_stats(p, &st) != 0)
		return;
	reported = 1;
	dprintf(out >= 0 ? out : 2, "pcapstats: %u received by filter, "
	    "%u dropped by kernel, %u dropped by interface\n", st.ps_recv,
	    st.ps_drop, st.ps_ifdrop);
}

pcap_t *
pcap_open_live(const char *dev, int snaplen, int promisc, int ms, char *ebuf)
{
	pcap_t *(*fn)(const char *, int, int, int, char *) =
	    (pcap_t *(*)(const char *, int, int, int, char *))
	    real("pcap_open_live");
	pcap_t *p = fn(dev, snaplen, promisc, ms, ebuf);

	if (p != NULL)
		opened(p);
	return p;
}

int
pcap_activate(pcap_t *p)
{
	int (*fn)(pcap_t *) = (int (*)(pcap_t *))real("pcap_activate");
	int r = fn(p);

	if (r >= 0)
		opened(p);
	return r;
}

void
pcap_close(pcap_t *p)
{
	void (*fn)(pcap_t *) = (void (*)(pcap_t *))real("pcap_close");

	if (p == live) {
		report(p);
		live = NULL;
	}
	fn(p);
}

__attribute__((destructor)) static void
at_exit(void)
{
	report(live);
}
