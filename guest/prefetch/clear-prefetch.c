/*
 * clear-prefetch: read into the guest's page cache exactly the parts of the
 * image that starting the agent touches, in a few large reads.
 *
 * Why: every VM has its own page cache of the shared image (virtio-blk, no
 * DAX on a microvm), and it is guest RAM the host pays for. With the block
 * device's default 128 KiB read-ahead a start-up caches ~46 MiB, of which
 * node touches under 20. Turning read-ahead off caches only what is touched
 * but turns every first touch into a synchronous 4 KiB read, seconds slower
 * under TCG. So the image carries the list of what a start-up touched,
 * recorded once when the image is built (a VM booted with read-ahead off),
 * and init reads that list ahead in large requests before node starts.
 *
 *   clear-prefetch record PATH...   walk PATHs; for every regular file print
 *                                   "OFFSET LENGTH PATH" for each run of its
 *                                   pages in the page cache (mincore)
 *   clear-prefetch load LIST        read every range of LIST ahead
 *                                   (readahead(2): no copy to user space)
 *
 * A stale or missing list costs only speed or memory, never correctness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Gaps up to this many pages are read with their neighbours: one request instead of two. */
#define MERGE_GAP_PAGES 2
/* readahead(2) reads at most max(read-ahead, io_pages) per call: step below that. */
#define STEP (128 * 1024)

static long page;

static int record_file(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)ftw;
  if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0) return 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  void *map = mmap(NULL, st->st_size, PROT_READ, MAP_SHARED, fd, 0);
  close(fd);
  if (map == MAP_FAILED) return 0;
  size_t pages = (st->st_size + page - 1) / page;
  unsigned char *in = malloc(pages);
  if (in && mincore(map, st->st_size, in) == 0) {
    size_t i = 0;
    while (i < pages) {
      if (!(in[i] & 1)) { i++; continue; }
      size_t start = i, end = i + 1, gap = 0;
      for (size_t j = i + 1; j < pages && gap <= MERGE_GAP_PAGES; j++) {
        if (in[j] & 1) { end = j + 1; gap = 0; } else gap++;
      }
      printf("%zu %zu %s\n", start * page, (end - start) * page, path);
      i = end;
    }
  }
  free(in);
  munmap(map, st->st_size);
  return 0;
}

static int load(const char *list) {
  FILE *f = fopen(list, "re");
  if (!f) { fprintf(stderr, "clear-prefetch: %s: %s\n", list, strerror(errno)); return 1; }
  char path[4096], open_path[4096] = "";
  unsigned long long off, len;
  int fd = -1;
  while (fscanf(f, "%llu %llu %4095[^\n]\n", &off, &len, path) == 3) {
    if (strcmp(path, open_path) != 0) {
      if (fd >= 0) close(fd);
      fd = open(path, O_RDONLY | O_CLOEXEC);
      snprintf(open_path, sizeof open_path, "%s", path);
      if (fd < 0) continue; /* stale list: not an error */
    }
    if (fd < 0) continue;
    for (unsigned long long o = off; o < off + len; o += STEP) {
      unsigned long long n = off + len - o < STEP ? off + len - o : STEP;
      readahead(fd, (off64_t)o, (size_t)n);
    }
  }
  if (fd >= 0) close(fd);
  fclose(f);
  return 0;
}

int main(int argc, char **argv) {
  page = sysconf(_SC_PAGESIZE);
  if (argc >= 3 && strcmp(argv[1], "record") == 0) {
    for (int i = 2; i < argc; i++) nftw(argv[i], record_file, 16, FTW_PHYS | FTW_MOUNT);
    return fflush(stdout) == 0 ? 0 : 1;
  }
  if (argc == 3 && strcmp(argv[1], "load") == 0) return load(argv[2]);
  fprintf(stderr, "usage: clear-prefetch record PATH... | clear-prefetch load LIST\n");
  return 2;
}
