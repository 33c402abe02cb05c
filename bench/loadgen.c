/*
 * loadgen: a small closed-loop load client for the twd benchmark (bench/run).
 *
 * redis-benchmark drives the redis cases; this client does what it cannot:
 *   - memcached get/set (ASCII protocol) with exact latency percentiles,
 *   - a paced load that logs every request (send time, latency, outcome) so that bench/run
 *     can look at the second around each config change, counting failures and reconnects,
 *   - holding thousands of idle client connections open (for the memory figures).
 *
 * One thread, epoll, non-blocking sockets, like redis-benchmark. Each connection sends
 * `pipeline` requests, waits for all their replies, and sends the next batch (or, when paced,
 * waits for its next slot). Latency is measured from the write of a request to the end of its
 * reply, in microseconds, into a 1 us histogram up to 10 s.
 *
 *   loadgen run  -h HOST -p PORT [-P redis|memcache] [-o get|set|mget:N] [-c CONNS] [-q PIPELINE]
 *                [-r KEYSPACE] [-d VALUE_BYTES] [-t SECONDS | -n REQUESTS] [-R RATE_PER_CONN]
 *                [-l LOGFILE] [-k KEYPREFIX]
 *   loadgen idle -h HOST -p PORT [-P redis|memcache] -c CONNS [-t SECONDS]
 *
 * `run` prints one JSON line: requests, errors, reconnects, seconds, rps, p50_ms, p99_ms, max_ms.
 * `idle` connects CONNS connections, does one request on each, prints "ready N" and then holds
 * them until SIGTERM/SIGINT, stdin closes, or SECONDS pass.
 * Failed requests: error replies (-ERR, SERVER_ERROR, ...) and requests lost with a connection
 * (which is then reopened). The log file has one line per request: "send_unix_us latency_us status connection"
 * (status 0 = ok, 1 = error reply, 2 = connection lost; connection: its index).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HIST_US 10000000 /* 10 s at 1 us */
#define MAXQ 1024

enum { P_REDIS, P_MEMCACHE };
enum { O_GET, O_SET, O_MGET };

static const char *host = "127.0.0.1";
static int port;
static int proto = P_REDIS;
static int op = O_GET;
static int mget_keys = 10;
static int nconns = 50;
static int pipeline = 1;
static long keyspace = 100000;
static int value_size = 3;
static double duration = 0;
static long total_requests = 0;
static double rate = 0; /* per connection, requests/s, 0 = closed loop */
static const char *logpath;
static const char *keyprefix = "key:";

static uint32_t *hist;
static long done_ok, done_err, reconnects, sent_total;
static uint64_t max_us;
static FILE *logf;
static volatile sig_atomic_t stop_flag;

typedef struct {
    int fd;
    int connected;
    char *out;
    size_t outlen, outcap, outoff;
    char *in;
    size_t inlen, incap;
    uint64_t sent_mono[MAXQ]; /* ring of outstanding send times */
    uint64_t sent_real[MAXQ];
    int qhead, qn;
    uint64_t next_due; /* paced mode: monotonic us of the next batch */
    /* reply framing state */
    long pending;      /* redis: elements owed by the reply being read */
} conn_t;

static conn_t *conns;

static int epfd;
static struct sockaddr_in addr;

static uint64_t now_mono(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t now_real(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what) {
    perror(what);
    exit(1);
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t xrand(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void out_reserve(conn_t *c, size_t n) {
    if (c->outlen + n > c->outcap) {
        while (c->outlen + n > c->outcap) c->outcap = c->outcap ? c->outcap * 2 : 4096;
        c->out = realloc(c->out, c->outcap);
        if (!c->out) die("realloc");
    }
}

static void out_str(conn_t *c, const char *s, size_t n) {
    out_reserve(c, n);
    memcpy(c->out + c->outlen, s, n);
    c->outlen += n;
}

static char *value_buf;

static void append_request(conn_t *c) {
    char key[64], hdr[128];
    int kl, n;
    if (proto == P_REDIS) {
        if (op == O_MGET) {
            n = snprintf(hdr, sizeof hdr, "*%d\r\n$4\r\nMGET\r\n", mget_keys + 1);
            out_str(c, hdr, n);
            for (int i = 0; i < mget_keys; i++) {
                kl = snprintf(key, sizeof key, "%s%012ld", keyprefix, (long)(xrand() % keyspace));
                n = snprintf(hdr, sizeof hdr, "$%d\r\n", kl);
                out_str(c, hdr, n);
                out_str(c, key, kl);
                out_str(c, "\r\n", 2);
            }
            return;
        }
        kl = snprintf(key, sizeof key, "%s%012ld", keyprefix, (long)(xrand() % keyspace));
        if (op == O_GET) {
            n = snprintf(hdr, sizeof hdr, "*2\r\n$3\r\nGET\r\n$%d\r\n", kl);
            out_str(c, hdr, n);
            out_str(c, key, kl);
            out_str(c, "\r\n", 2);
        } else {
            n = snprintf(hdr, sizeof hdr, "*3\r\n$3\r\nSET\r\n$%d\r\n", kl);
            out_str(c, hdr, n);
            out_str(c, key, kl);
            n = snprintf(hdr, sizeof hdr, "\r\n$%d\r\n", value_size);
            out_str(c, hdr, n);
            out_str(c, value_buf, value_size);
            out_str(c, "\r\n", 2);
        }
    } else {
        kl = snprintf(key, sizeof key, "%s%012ld", keyprefix, (long)(xrand() % keyspace));
        if (op == O_SET) {
            n = snprintf(hdr, sizeof hdr, "set %.*s 0 0 %d\r\n", kl, key, value_size);
            out_str(c, hdr, n);
            out_str(c, value_buf, value_size);
            out_str(c, "\r\n", 2);
        } else {
            n = snprintf(hdr, sizeof hdr, "get %.*s\r\n", kl, key);
            out_str(c, hdr, n);
        }
    }
}

static void record(conn_t *c, int status) {
    if (c->qn == 0) return;
    uint64_t lat = now_mono() - c->sent_mono[c->qhead];
    uint64_t real = c->sent_real[c->qhead];
    c->qhead = (c->qhead + 1) % MAXQ;
    c->qn--;
    hist[lat < HIST_US ? lat : HIST_US - 1]++;
    if (lat > max_us) max_us = lat;
    if (status == 0) done_ok++; else done_err++;
    if (logf) fprintf(logf, "%llu %llu %d %d\n", (unsigned long long)real, (unsigned long long)lat, status, (int)(c - conns));
}

static int open_conn(conn_t *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) die("socket");
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS) return -1;
    c->connected = 0;
    c->outlen = c->outoff = c->inlen = 0;
    c->qhead = c->qn = 0;
    c->pending = 0;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) die("epoll_ctl");
    return 0;
}

static void want_out(conn_t *c, int on) {
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static int requests_left(void) {
    return total_requests == 0 || sent_total < total_requests;
}

static void send_batch(conn_t *c) {
    int n = pipeline;
    if (total_requests) {
        long left = total_requests - sent_total;
        if (left < n) n = (int)left;
    }
    if (n <= 0) return;
    uint64_t m = now_mono(), r = now_real();
    for (int i = 0; i < n; i++) {
        append_request(c);
        int slot = (c->qhead + c->qn) % MAXQ;
        c->sent_mono[slot] = m;
        c->sent_real[slot] = r;
        c->qn++;
    }
    sent_total += n;
    ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
    if (w > 0) c->outoff += w;
    if (c->outoff < c->outlen) want_out(c, 1);
    else c->outoff = c->outlen = 0;
}

static void lost(conn_t *c) {
    while (c->qn > 0) record(c, 2);
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    reconnects++;
    if (!stop_flag) open_conn(c);
}

/* Finds the end of a line starting at p (returns index after \n) or -1. */
static long line_end(const char *buf, size_t len, size_t p) {
    const char *nl = memchr(buf + p, '\n', len - p);
    return nl ? (long)(nl - buf) + 1 : -1;
}

/* Parses as many complete replies as are buffered; returns bytes consumed. */
static size_t parse_replies(conn_t *c) {
    size_t p = 0;
    for (;;) {
        size_t start = p;
        int status = 0;
        if (proto == P_REDIS) {
            long pending = 1;
            int ok = 0;
            while (pending > 0) {
                if (p >= c->inlen) break;
                long e = line_end(c->in, c->inlen, p);
                if (e < 0) break;
                char t = c->in[p];
                if (p == start && t == '-') status = 1;
                long n = strtol(c->in + p + 1, NULL, 10);
                if (t == '$') {
                    if (n >= 0) {
                        if ((size_t)e + n + 2 > c->inlen) break;
                        p = e + n + 2;
                    } else p = e;
                    pending--;
                } else if (t == '*') {
                    p = e;
                    pending--;
                    if (n > 0) pending += n;
                } else {
                    p = e;
                    pending--;
                }
                if (pending == 0) ok = 1;
            }
            if (!ok) return start;
        } else {
            /* memcached: STORED / END / VALUE k f n\r\n<data>\r\n ... END / errors */
            int ok = 0;
            for (;;) {
                long e = line_end(c->in, c->inlen, p);
                if (e < 0) break;
                if (!strncmp(c->in + p, "VALUE ", 6)) {
                    /* the byte count is the 4th word */
                    const char *s = c->in + p;
                    int words = 0;
                    const char *q = s;
                    while (q < c->in + e && words < 3) {
                        if (*q == ' ') words++;
                        q++;
                    }
                    long n = strtol(q, NULL, 10);
                    if ((size_t)e + n + 2 > c->inlen) break;
                    p = e + n + 2;
                    continue;
                }
                if (!strncmp(c->in + p, "ERROR", 5) || !strncmp(c->in + p, "CLIENT_ERROR", 12)
                    || !strncmp(c->in + p, "SERVER_ERROR", 12)) status = 1;
                p = e;
                ok = 1;
                break;
            }
            if (!ok) return start;
        }
        record(c, status);
    }
}

static void on_readable(conn_t *c) {
    for (;;) {
        if (c->incap - c->inlen < 65536) {
            c->incap = c->incap ? c->incap * 2 : 131072;
            c->in = realloc(c->in, c->incap);
            if (!c->in) die("realloc");
        }
        ssize_t r = read(c->fd, c->in + c->inlen, c->incap - c->inlen);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
            lost(c);
            return;
        }
        if (r < 0) break;
        c->inlen += r;
        size_t used = parse_replies(c);
        if (used) {
            memmove(c->in, c->in + used, c->inlen - used);
            c->inlen -= used;
        }
        if ((size_t)r < c->incap - c->inlen) break;
    }
    if (c->qn == 0 && !stop_flag && requests_left()) {
        if (rate > 0) {
            uint64_t now = now_mono();
            if (c->next_due <= now) {
                c->next_due += (uint64_t)(1e6 * pipeline / rate);
                if (c->next_due < now) c->next_due = now;
                send_batch(c);
            }
        } else {
            send_batch(c);
        }
    }
}

static void on_writable(conn_t *c) {
    if (!c->connected) {
        int err = 0;
        socklen_t l = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
        if (err) {
            lost(c);
            usleep(1000);
            return;
        }
        c->connected = 1;
        want_out(c, 0);
        if (c->qn == 0 && requests_left()) send_batch(c);
        return;
    }
    ssize_t w = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
    if (w > 0) c->outoff += w;
    if (c->outoff >= c->outlen) {
        c->outoff = c->outlen = 0;
        want_out(c, 0);
    }
}

static void on_signal(int s) {
    (void)s;
    stop_flag = 1;
}

static double pct(double q, long total) {
    long want = (long)(q * total);
    if (want >= total) want = total - 1;
    long acc = 0;
    for (long i = 0; i < HIST_US; i++) {
        acc += hist[i];
        if (acc > want) return i / 1000.0;
    }
    return (HIST_US - 1) / 1000.0;
}

static void raise_nofile(long want) {
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    if ((long)rl.rlim_cur < want) {
        rl.rlim_cur = want;
        if ((long)rl.rlim_max < want) rl.rlim_max = want;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int run_idle(void) {
    raise_nofile(nconns + 64);
    int *fds = calloc(nconns, sizeof(int));
    int opened = 0;
    const char *req = proto == P_REDIS ? "*1\r\n$4\r\nPING\r\n" : "version\r\n";
    char buf[256];
    /* Blocking connects, in order: the accept queue never overflows, and each connection has done
       one round trip (so the proxy has fully set it up) before the next opens. */
    for (int i = 0; i < nconns && !stop_flag; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0) die("socket");
        if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
            fprintf(stderr, "loadgen: connect %d: %s\n", i, strerror(errno));
            close(fd);
            break;
        }
        if (write(fd, req, strlen(req)) < 0 || read(fd, buf, sizeof buf) <= 0) {
            fprintf(stderr, "loadgen: connection %d got no reply\n", i);
            close(fd);
            break;
        }
        fds[opened++] = fd;
    }
    printf("ready %d\n", opened);
    fflush(stdout);
    uint64_t end = duration > 0 ? now_mono() + (uint64_t)(duration * 1e6) : 0;
    struct pollfd pin = {.fd = 0, .events = POLLIN};
    while (!stop_flag && (end == 0 || now_mono() < end)) {
        int r = poll(&pin, 1, 200);
        if (r > 0) {
            char b[64];
            if (read(0, b, sizeof b) <= 0) break;
        }
    }
    for (int i = 0; i < opened; i++) close(fds[i]);
    return opened == nconns ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: loadgen run|idle -h HOST -p PORT ...\n");
        return 2;
    }
    const char *mode = argv[1];
    int opt;
    optind = 2;
    while ((opt = getopt(argc, argv, "h:p:P:o:c:q:r:d:t:n:R:l:k:")) != -1) {
        switch (opt) {
        case 'h': host = optarg; break;
        case 'p': port = atoi(optarg); break;
        case 'P': proto = !strcmp(optarg, "memcache") ? P_MEMCACHE : P_REDIS; break;
        case 'o':
            if (!strcmp(optarg, "set")) op = O_SET;
            else if (!strncmp(optarg, "mget", 4)) {
                op = O_MGET;
                if (optarg[4] == ':') mget_keys = atoi(optarg + 5);
            } else op = O_GET;
            break;
        case 'c': nconns = atoi(optarg); break;
        case 'q': pipeline = atoi(optarg); break;
        case 'r': keyspace = atol(optarg); break;
        case 'd': value_size = atoi(optarg); break;
        case 't': duration = atof(optarg); break;
        case 'n': total_requests = atol(optarg); break;
        case 'R': rate = atof(optarg); break;
        case 'l': logpath = optarg; break;
        case 'k': keyprefix = optarg; break;
        default: return 2;
        }
    }
    if (!port || pipeline < 1 || pipeline > MAXQ || nconns < 1 || keyspace < 1) {
        fprintf(stderr, "loadgen: bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "loadgen: host must be an IPv4 address\n");
        return 2;
    }
    if (!strcmp(mode, "idle")) return run_idle();
    if (strcmp(mode, "run")) {
        fprintf(stderr, "loadgen: mode must be run or idle\n");
        return 2;
    }
    if (duration <= 0 && total_requests <= 0) duration = 5;
    raise_nofile(nconns + 64);
    hist = calloc(HIST_US, sizeof(uint32_t));
    value_buf = malloc(value_size + 1);
    memset(value_buf, 'x', value_size);
    rng ^= (uint64_t)getpid() << 20;
    if (logpath) {
        logf = fopen(logpath, "w");
        if (!logf) die(logpath);
        setvbuf(logf, NULL, _IOFBF, 1 << 20);
    }
    epfd = epoll_create1(0);
    conns = calloc(nconns, sizeof(conn_t));
    uint64_t start = now_mono();
    for (int i = 0; i < nconns; i++) {
        conns[i].next_due = start + (rate > 0 ? (uint64_t)(1e6 * pipeline / rate * i / nconns) : 0);
        if (open_conn(&conns[i]) < 0) die("connect");
    }
    uint64_t end = duration > 0 ? start + (uint64_t)(duration * 1e6) : 0;
    struct epoll_event evs[256];
    while (!stop_flag) {
        uint64_t now = now_mono();
        if (end && now >= end) break;
        if (!end && !requests_left()) {
            int busy = 0;
            for (int i = 0; i < nconns; i++) busy |= conns[i].qn > 0;
            if (!busy) break;
        }
        int timeout = rate > 0 ? 1 : 100;
        int n = epoll_wait(epfd, evs, 256, timeout);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            int fd = c->fd;
            if (evs[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(c);
            if (c->fd == fd && (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) on_readable(c);
        }
        if (rate > 0) {
            now = now_mono();
            for (int i = 0; i < nconns; i++) {
                conn_t *c = &conns[i];
                if (c->connected && c->qn == 0 && c->next_due <= now && requests_left()) {
                    c->next_due += (uint64_t)(1e6 * pipeline / rate);
                    if (c->next_due < now) c->next_due = now;
                    send_batch(c);
                }
            }
        }
    }
    double secs = (now_mono() - start) / 1e6;
    long total = done_ok + done_err;
    /* requests still outstanding at the end are neither counted nor failed */
    if (logf) fclose(logf);
    printf("{\"requests\":%ld,\"errors\":%ld,\"reconnects\":%ld,\"seconds\":%.3f,\"rps\":%.1f,"
           "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
           total, done_err, reconnects, secs, total / secs, total ? pct(0.50, total) : 0,
           total ? pct(0.99, total) : 0, max_us / 1000.0);
    return 0;
}
