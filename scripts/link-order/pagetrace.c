/* pagetrace.c - an LD_PRELOAD library that records which pages of the executable's code run, in
 * first-touch order, for scripts/link-order/link-order.sh (which builds and uses it).
 *
 * Its constructor makes the executable's r-x mappings PROT_NONE; a SIGSEGV handler gives each
 * faulting page back PROT_READ|PROT_EXEC and appends the page's offset from the executable's
 * load base, in hex, to $PAGETRACE_DIR/<pid>.pages. Unlike resident pages, this is exact:
 * the kernel's fault-around maps 64 KiB around a fault, run or not. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
static unsigned long lo[16], hi[16], base = ~0UL; static int n, fd = -1;
static void hexout(unsigned long v) {
    char buf[32]; int i = sizeof buf; buf[--i] = '\n';
    do { buf[--i] = "0123456789abcdef"[v & 15]; v >>= 4; } while (v);
    (void)!write(fd, buf + i, sizeof buf - i);
}
static void handler(int sig, siginfo_t *si, void *ctx) {
    unsigned long a = (unsigned long)si->si_addr;
    for (int i = 0; i < n; i++)
        if (a >= lo[i] && a < hi[i]) {
            unsigned long p = a & ~4095UL;
            mprotect((void *)p, 4096, PROT_READ | PROT_EXEC);
            hexout(p - base);
            return;
        }
    signal(SIGSEGV, SIG_DFL); /* a real fault: crash as usual */
}
__attribute__((constructor)) static void pagetrace(void) {
    char exe[PATH_MAX]; ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *dir = getenv("PAGETRACE_DIR");
    if (len <= 0 || !dir) return; exe[len] = 0;
    char path[PATH_MAX]; snprintf(path, sizeof path, "%s/%d.pages", dir, getpid());
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
    FILE *f = fopen("/proc/self/maps", "r"); if (!f || fd < 0) return;
    char line[PATH_MAX + 256];
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b, off; char perms[8], p2[PATH_MAX] = "";
        if (sscanf(line, "%lx-%lx %7s %lx %*s %*s %4095s", &a, &b, perms, &off, p2) >= 4 && strcmp(p2, exe) == 0) {
            if (off == 0 && a < base) base = a;
            if (perms[2] == 'x' && n < 16) { lo[n] = a; hi[n] = b; n++; }
        }
    }
    fclose(f);
    struct sigaction sa; memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler; sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0);
    for (int i = 0; i < n; i++) mprotect((void *)lo[i], hi[i] - lo[i], PROT_NONE);
}
