// Moves the wall clock of every process it is preloaded into by CLOCK_SHIFT_DAYS days
// (LD_PRELOAD=shift-clock.so CLOCK_SHIFT_DAYS=365 cmd). `npm run test:stress` uses it to run the
// suite a year ahead: Node, workerd's JavaScript clock and D1's SQLite clock all move together.
// Why not Debian's faketime: libfaketime deadlocks workerd at start-up (its poll() wrapper calls
// dlsym, which allocates while workerd's built-in tcmalloc holds its page-heap lock). This shim
// only wraps the wall-clock calls and reads the time with a raw system call: no dlsym, no malloc.
// Monotonic clocks are left alone, so timers and durations are unaffected.
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static long long shift_seconds = 0;

__attribute__((constructor)) static void read_shift(void) {
  const char *days = getenv("CLOCK_SHIFT_DAYS");
  if (days) shift_seconds = atoll(days) * 86400LL;
}

static int is_wall_clock(clockid_t id) {
  return id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE || id == CLOCK_TAI;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
  long r = syscall(SYS_clock_gettime, id, ts);
  if (r == 0 && is_wall_clock(id)) ts->tv_sec += shift_seconds;
  return (int)r;
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz) {
  struct timespec ts;
  (void)tz;
  if (syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) != 0) return -1;
  tv->tv_sec = ts.tv_sec + shift_seconds;
  tv->tv_usec = ts.tv_nsec / 1000;
  return 0;
}

time_t time(time_t *out) {
  struct timespec ts;
  syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
  time_t now = ts.tv_sec + shift_seconds;
  if (out) *out = now;
  return now;
}

int timespec_get(struct timespec *ts, int base) {
  if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0) return 0;
  return base;
}
