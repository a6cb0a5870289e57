/*
 * TCP connect latency, for `make bench-net`: N sequential connect() calls to
 * HOST:PORT (IPv4), each timed from socket() to connect() returning (one
 * SYN / SYN-ACK round trip plus the two system calls), the socket closed
 * before the next. Prints one JSON object of microsecond figures: per
 * connect (min, percentiles) and the whole loop (totalUs, and meanUs =
 * totalUs / N). The clock's resolution comes with them (resUs): a guest
 * without a fine clocksource (TCG: jiffies, 10 ms) cannot time single
 * connects, only the loop, so there meanUs is the figure to read.
 * Built static so it runs in any rootfs (the busybox bench bundle).
 *
 *   bench-net-connect HOST PORT N
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s HOST PORT N\n", argv[0]);
    return 2;
  }
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
    fprintf(stderr, "bad IPv4 address %s\n", argv[1]);
    return 2;
  }
  int n = atoi(argv[3]);
  if (n < 1) return 2;
  double *t = calloc(n, sizeof *t);
  struct timespec res;
  clock_getres(CLOCK_MONOTONIC, &res);
  double start = now_us();
  for (int i = 0; i < n; i++) {
    double t0 = now_us();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
      perror("connect");
      return 1;
    }
    t[i] = now_us() - t0;
    close(fd);
  }
  double total = now_us() - start;
  qsort(t, n, sizeof *t, cmp);
  printf("{\"n\":%d,\"resUs\":%.3f,\"totalUs\":%.1f,\"meanUs\":%.1f,\"minUs\":%.1f,\"p50Us\":%.1f,\"p90Us\":%.1f,"
         "\"p99Us\":%.1f,\"maxUs\":%.1f}\n",
         n, res.tv_sec * 1e6 + res.tv_nsec / 1e3, total, total / n, t[0], t[n / 2], t[(int)(n * 0.9)], t[(int)(n * 0.99)], t[n - 1]);
  return 0;
}
