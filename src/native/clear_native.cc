// clear_native: only the Linux syscalls Node has no API for.
//
//  - socketpair / unix listen+accept / sendmsg+recvmsg with SCM_RIGHTS
//    (the vhost-user protocol passes memory and eventfds over a Unix socket)
//  - eventfd (vhost-user kick/call notifications)
//  - mmap of a shared fd as an ArrayBuffer (guest RAM shared by QEMU)
//  - AF_VSOCK sockets (the guest agent listens on vsock)
//  - a uv_poll_t watcher so all of the above integrate with the Node loop
//  - plain read/write/close/shutdown on raw non-blocking fds
//  - flock (the state store's per-container lock; released by the kernel
//    when the holder dies)
//  - pseudo-terminals: openpty, window size, raw mode, and a Unix socket
//    connect (a console socket receives the pty master with SCM_RIGHTS)
//  - clock_settime(CLOCK_REALTIME): the guest agent sets the VM's wall
//    clock to the host's (Node can read the clock, not set it)
//
// Conventions: every function throws a Node-style Error (code = errno name,
// errno = -errno, syscall) on failure; "would block" (EAGAIN) is not an
// error and is reported as -1 or null. Every fd created here is
// O_CLOEXEC (the runtime spawns QEMU and helpers; fds must not leak) and,
// where it is a stream/socket, O_NONBLOCK (everything is driven by the
// event loop; a blocking syscall would freeze the whole runtime).

#include <napi.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <linux/close_range.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

// ---------------------------------------------------------------- errors

std::string ErrnoName(int err) {
  // libuv knows the names of the errnos that matter; fall back to glibc.
  const char* n = uv_err_name(-err);
  if (n != nullptr && strncmp(n, "Unknown", 7) != 0) return n;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* g = strerrorname_np(err);
  if (g != nullptr) return g;
#endif
  return "E" + std::to_string(err);
}

[[noreturn]] void ThrowErrno(Napi::Env env, const char* syscall, int err) {
  std::string name = ErrnoName(err);
  Napi::Error e = Napi::Error::New(
      env, std::string(syscall) + ": " + name + " (" + strerror(err) + ")");
  Napi::Object o = e.Value();
  o.Set("code", name);
  o.Set("errno", -err);
  o.Set("syscall", syscall);
  throw e;
}

[[noreturn]] void ThrowType(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}

// ------------------------------------------------------------- arguments

int ArgInt(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber())
    ThrowType(info.Env(), std::string(what) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (d != static_cast<int32_t>(d))
    ThrowType(info.Env(), std::string(what) + " must be a 32-bit integer");
  return static_cast<int32_t>(d);
}

// Sizes/offsets: non-negative integers up to 2^53.
uint64_t ArgSize(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsNumber())
    ThrowType(info.Env(), std::string(what) + " must be a number");
  double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= 0) || d > 9007199254740991.0 || d != static_cast<double>(static_cast<uint64_t>(d)))
    ThrowType(info.Env(), std::string(what) + " must be a non-negative integer");
  return static_cast<uint64_t>(d);
}

// Any ArrayBufferView (Buffer, Uint8Array, ...) as bytes.
struct Bytes { uint8_t* data; size_t len; };

Bytes ArgBytes(const Napi::CallbackInfo& info, size_t i) {
  if (info.Length() <= i || !info[i].IsBuffer())
    ThrowType(info.Env(), "buf must be a Buffer or Uint8Array");
  auto b = info[i].As<Napi::Buffer<uint8_t>>();
  return {b.Data(), b.Length()};
}

// buf, offset, length -> a checked sub-range.
Bytes ArgRange(const Napi::CallbackInfo& info, size_t i) {
  Bytes b = ArgBytes(info, i);
  uint64_t off = ArgSize(info, i + 1, "offset");
  uint64_t len = ArgSize(info, i + 2, "length");
  if (off > b.len || len > b.len - off)
    throw Napi::RangeError::New(info.Env(), "offset/length out of range of buf");
  return {b.data + off, static_cast<size_t>(len)};
}

// Optional trailing argument: absent or undefined.
bool HasArg(const Napi::CallbackInfo& info, size_t i) {
  return info.Length() > i && !info[i].IsUndefined();
}

bool WouldBlock(int e) { return e == EAGAIN || e == EWOULDBLOCK; }

// ---------------------------------------------------------- fds, sockets

Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
    ThrowErrno(info.Env(), "socketpair", errno);
  Napi::Array a = Napi::Array::New(info.Env(), 2);
  a.Set(0u, sv[0]);
  a.Set(1u, sv[1]);
  return a;
}

void SetBlocking(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  bool blocking = info.Length() > 1 && info[1].ToBoolean();
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0) ThrowErrno(info.Env(), "fcntl", errno);
  int nfl = blocking ? (fl & ~O_NONBLOCK) : (fl | O_NONBLOCK);
  if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0) ThrowErrno(info.Env(), "fcntl", errno);
}

Napi::Value UnixListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowType(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int backlog = HasArg(info, 1) ? ArgInt(info, 1, "backlog") : 128;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path)) ThrowErrno(env, "bind", ENAMETOOLONG);
  memcpy(sa.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, "socket", errno);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0) {
    int e = errno; close(fd); ThrowErrno(env, "bind", e);
  }
  if (listen(fd, backlog) < 0) {
    int e = errno; close(fd); ThrowErrno(env, "listen", e);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value Accept(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  int c;
  do c = accept4(fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  while (c < 0 && errno == EINTR);
  if (c < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(info.Env(), -1);
    ThrowErrno(info.Env(), "accept4", errno);
  }
  return Napi::Number::New(info.Env(), c);
}

// Room for SCM_MAX_FD (253) fds: more than any vhost-user message carries.
constexpr size_t kMaxFds = 253;

Napi::Value RecvMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgBytes(info, 1);
  iovec iov{b.data, b.len};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = ctrl;
  msg.msg_controllen = sizeof(ctrl);
  ssize_t n;
  // MSG_CMSG_CLOEXEC: received fds are cloexec atomically.
  do n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return env.Null();
    ThrowErrno(env, "recvmsg", errno);
  }
  std::vector<int> fds;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const unsigned char* p = CMSG_DATA(c);
    for (size_t i = 0; i < count; i++) {
      int f;
      memcpy(&f, p + i * sizeof(int), sizeof(int));
      fds.push_back(f);
    }
  }
  if (msg.msg_flags & MSG_CTRUNC) {
    // Some fds were dropped by the kernel: the message is unusable, and the
    // ones we did get must not leak.
    for (int f : fds) close(f);
    ThrowErrno(env, "recvmsg", EMSGSIZE);
  }
  Napi::Object r = Napi::Object::New(env);
  r.Set("bytes", Napi::Number::New(env, static_cast<double>(n)));
  Napi::Array a = Napi::Array::New(env, fds.size());
  for (size_t i = 0; i < fds.size(); i++) a.Set(static_cast<uint32_t>(i), fds[i]);
  r.Set("fds", a);
  return r;
}

Napi::Value SendMsg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgBytes(info, 1);
  std::vector<int> fds;
  if (info.Length() > 2 && !info[2].IsUndefined()) {
    if (!info[2].IsArray()) ThrowType(env, "fds must be an array");
    Napi::Array a = info[2].As<Napi::Array>();
    if (a.Length() > kMaxFds) ThrowErrno(env, "sendmsg", EINVAL);
    for (uint32_t i = 0; i < a.Length(); i++) {
      Napi::Value v = a.Get(i);
      if (!v.IsNumber()) ThrowType(env, "fds must be numbers");
      fds.push_back(v.As<Napi::Number>().Int32Value());
    }
  }
  iovec iov{b.data, b.len};
  alignas(cmsghdr) char ctrl[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  if (!fds.empty()) {
    msg.msg_control = ctrl;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  // MSG_NOSIGNAL: a closed peer is an EPIPE error, never a signal.
  do n = sendmsg(fd, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(env, -1);
    ThrowErrno(env, "sendmsg", errno);
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value Read(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgRange(info, 1);
  ssize_t n;
  do n = read(fd, b.data, b.len);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(info.Env(), -1);
    ThrowErrno(info.Env(), "read", errno);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

Napi::Value Write(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  Bytes b = ArgRange(info, 1);
  ssize_t n;
  do n = write(fd, b.data, b.len);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return Napi::Number::New(info.Env(), -1);
    ThrowErrno(info.Env(), "write", errno);
  }
  return Napi::Number::New(info.Env(), static_cast<double>(n));
}

void Close(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  // No EINTR retry: on Linux the fd is released even when close() says EINTR.
  if (close(fd) < 0 && errno != EINTR) ThrowErrno(info.Env(), "close", errno);
}

void Shutdown(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  int how = ArgInt(info, 1, "how");
  if (shutdown(fd, how) < 0) ThrowErrno(info.Env(), "shutdown", errno);
}

// Marks every fd from `min` up close-on-exec. A process spawned by Node
// inherits every fd that is not cloexec, not only the stdio it was given:
// callers such as conmon hand the runtime pipes of their own (fd 3, 4) that
// a long-lived child must never hold open.
void CloexecFrom(const Napi::CallbackInfo& info) {
  unsigned min = static_cast<unsigned>(ArgInt(info, 0, "min"));
  if (syscall(SYS_close_range, min, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
    ThrowErrno(info.Env(), "close_range", errno);
}

// ---------------------------------------------------------------- eventfd

Napi::Value EventFd(const Napi::CallbackInfo& info) {
  unsigned init = HasArg(info, 0) ? static_cast<unsigned>(ArgSize(info, 0, "initval")) : 0;
  int fd = eventfd(init, EFD_NONBLOCK | EFD_CLOEXEC);
  if (fd < 0) ThrowErrno(info.Env(), "eventfd", errno);
  return Napi::Number::New(info.Env(), fd);
}

Napi::Value EventFdRead(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  uint64_t v;
  ssize_t n;
  do n = read(fd, &v, sizeof(v));
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (WouldBlock(errno)) return info.Env().Null();
    ThrowErrno(info.Env(), "read", errno);
  }
  if (n != sizeof(v)) ThrowErrno(info.Env(), "read", EIO);
  return Napi::BigInt::New(info.Env(), v);
}

void EventFdWrite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  uint64_t v;
  if (info.Length() > 1 && info[1].IsBigInt()) {
    bool lossless;
    v = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, "value out of range for uint64");
  } else {
    v = ArgSize(info, 1, "value");
  }
  ssize_t n;
  do n = write(fd, &v, sizeof(v));
  while (n < 0 && errno == EINTR);
  if (n < 0) ThrowErrno(env, "write", errno);  // EAGAIN here = counter overflow
}

// ------------------------------------------------------------------- mmap
//
// The mapping is handed to JS as an external ArrayBuffer (no copy). Node
// implements external ArrayBuffers through node::Buffer, so the maximum size
// is buffer.constants.MAX_LENGTH (exactly 4 GiB on 64-bit Node 20; larger
// requests fail with ERR_BUFFER_TOO_LARGE and nothing stays mapped).
//
// Lifetime: the finalizer munmaps when the ArrayBuffer is collected; munmap()
// unmaps now and detaches the ArrayBuffer so JS cannot touch freed memory.
// The finalizer can still run later (detaching drops V8's backing-store
// reference), so each Mapping records whether it is still mapped. Live
// mappings are indexed by address (unique while mapped) so munmap() can find
// the Mapping of an ArrayBuffer and refuse ones it did not create.

struct Mapping {
  void* addr;
  size_t len;
  bool mapped;
};

std::unordered_map<void*, Mapping*>& LiveMappings() {
  static std::unordered_map<void*, Mapping*> m;  // JS thread only
  return m;
}

void UnmapNow(Mapping* m) {
  if (!m->mapped) return;
  munmap(m->addr, m->len);
  m->mapped = false;
  LiveMappings().erase(m->addr);
}

// Set while napi_create_external_arraybuffer runs: on failure Node calls the
// finalizer synchronously (node::Buffer::New does), and then the cleanup
// belongs to Mmap, not to the finalizer.
Mapping* g_creating = nullptr;

void FinalizeMapping(napi_env, void*, void* hint) {
  Mapping* m = static_cast<Mapping*>(hint);
  if (m == g_creating) return;
  UnmapNow(m);
  delete m;
}

Napi::Value Mmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = ArgInt(info, 0, "fd");
  uint64_t len = ArgSize(info, 1, "length");
  uint64_t off = ArgSize(info, 2, "offset");
  if (len == 0) ThrowErrno(env, "mmap", EINVAL);
  void* p = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, static_cast<off_t>(off));
  if (p == MAP_FAILED) ThrowErrno(env, "mmap", errno);
  Mapping* m = new Mapping{p, static_cast<size_t>(len), true};
  napi_value ab;
  g_creating = m;
  napi_status st = napi_create_external_arraybuffer(env, p, m->len, FinalizeMapping, m, &ab);
  g_creating = nullptr;
  if (st != napi_ok) {
    munmap(p, m->len);
    delete m;
    // Typically ERR_BUFFER_TOO_LARGE (length > buffer.constants.MAX_LENGTH).
    napi_value exc = nullptr;
    napi_get_and_clear_last_exception(env, &exc);
    if (exc != nullptr && Napi::Value(env, exc).IsObject()) throw Napi::Error(env, exc);
    throw Napi::Error::New(env, "mmap: cannot wrap the mapping in an ArrayBuffer");
  }
  LiveMappings()[p] = m;
  return Napi::Value(env, ab);
}

void Munmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsArrayBuffer()) ThrowType(env, "buffer must be an ArrayBuffer");
  Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
  void* data = ab.Data();
  size_t len = ab.ByteLength();
  auto& live = LiveMappings();
  auto it = live.find(data);
  if (data == nullptr || it == live.end() || it->second->len != len)
    ThrowType(env, "buffer is not a live mapping created by mmap()");
  Mapping* m = it->second;
  // Detach first: if it fails nothing has been unmapped yet.
  ab.Detach();
  UnmapNow(m);  // the finalizer, when it comes, only frees the Mapping
}

// ------------------------------------------------------------------ vsock

Napi::Value VsockListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t port = static_cast<uint32_t>(ArgSize(info, 0, "port"));
  int backlog = HasArg(info, 1) ? ArgInt(info, 1, "backlog") : 128;
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, "socket", errno);
  sockaddr_vm sa{};
  sa.svm_family = AF_VSOCK;
  sa.svm_cid = VMADDR_CID_ANY;
  sa.svm_port = port;
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) < 0) {
    int e = errno; close(fd); ThrowErrno(env, "bind", e);
  }
  if (listen(fd, backlog) < 0) {
    int e = errno; close(fd); ThrowErrno(env, "listen", e);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value VsockConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t cid = static_cast<uint32_t>(ArgSize(info, 0, "cid"));
  uint32_t port = static_cast<uint32_t>(ArgSize(info, 1, "port"));
  int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) ThrowErrno(env, "socket", errno);
  sockaddr_vm sa{};
  sa.svm_family = AF_VSOCK;
  sa.svm_cid = cid;
  sa.svm_port = port;
  int r;
  do r = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  while (r < 0 && errno == EINTR);
  // EINPROGRESS: completion is signalled by WRITABLE; then socketError().
  if (r < 0 && errno != EINPROGRESS) {
    int e = errno; close(fd); ThrowErrno(env, "connect", e);
  }
  return Napi::Number::New(env, fd);
}

Napi::Value SocketError(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  int err = 0;
  socklen_t len = sizeof(err);
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
    ThrowErrno(info.Env(), "getsockopt", errno);
  return Napi::Number::New(info.Env(), err);
}

Napi::Value ErrnoNameJs(const Napi::CallbackInfo& info) {
  int e = ArgInt(info, 0, "errno");
  return Napi::String::New(info.Env(), ErrnoName(e < 0 ? -e : e));
}

// ---------------------------------------------------------------- watcher
//
// uv_poll_t on the Node loop. Event bits to JS: READABLE=1, WRITABLE=2,
// ERROR=4 (libuv reported an error status; it has then stopped the poll, so
// the owner must call start() again if it wants more events).
//
// Lifetime: while open, the JS object holds a strong reference to itself
// (ObjectWrap::Ref), so a watcher the program forgot about keeps working
// instead of crashing; close() drops it. The uv handle lives in its own
// allocation that is freed only in the uv_close callback, independent of
// when the JS object is collected.

constexpr int kReadable = 1, kWritable = 2, kError = 4;

class Watcher : public Napi::ObjectWrap<Watcher> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FdWatcher",
                       {InstanceMethod("start", &Watcher::Start),
                        InstanceMethod("stop", &Watcher::Stop),
                        InstanceMethod("close", &Watcher::Close),
                        InstanceMethod("ref", &Watcher::RefLoop),
                        InstanceMethod("unref", &Watcher::UnrefLoop)});
  }

  Watcher(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Watcher>(info) {
    Napi::Env env = info.Env();
    int fd = ArgInt(info, 0, "fd");
    if (info.Length() < 2 || !info[1].IsFunction()) ThrowType(env, "callback must be a function");
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok) throw Napi::Error::New(env, "no uv loop");
    Handle* h = new Handle{};
    h->owner = this;
    // Note: uv_poll_init puts the fd in non-blocking mode, and fails with
    // EEXIST if another watcher already polls this fd on this loop.
    int r = uv_poll_init(loop, &h->poll, fd);
    if (r < 0) {
      delete h;
      ThrowErrno(env, "uv_poll_init", -r);
    }
    h_ = h;
    cb_ = Napi::Persistent(info[1].As<Napi::Function>());
    ctx_ = std::make_unique<Napi::AsyncContext>(env, "clear:FdWatcher");
    Ref();
    napi_add_env_cleanup_hook(env, CleanupHook, this);
  }

  ~Watcher() override { CloseHandle(false); }

 private:
  struct Handle {
    uv_poll_t poll;  // first member: uv_handle_t* casts back to Handle*
    Watcher* owner;
  };

  static void OnPoll(uv_poll_t* p, int status, int events) {
    Watcher* w = reinterpret_cast<Handle*>(p)->owner;
    if (w == nullptr) return;
    int ev = 0;
    if (status < 0) {
      ev = kError;
    } else {
      if (events & UV_READABLE) ev |= kReadable;
      if (events & UV_WRITABLE) ev |= kWritable;
    }
    w->Fire(ev);
  }

  void Fire(int ev) {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    // Locals keep the object and callback alive even if the callback calls
    // close(); nothing of `this` is touched after the call returns.
    Napi::Object self = Value();
    Napi::Function cb = cb_.Value();
    try {
      cb.MakeCallback(self, {Napi::Number::New(env, ev)}, *ctx_);
    } catch (const Napi::Error& e) {
      // We are in a libuv callback, not under any JS frame: report it as an
      // uncaught exception, like any other event-loop callback would.
      napi_fatal_exception(env, e.Value());
    }
  }

  static void CleanupHook(void* arg) { static_cast<Watcher*>(arg)->CloseHandle(true); }

  // Stop polling and release the uv handle (idempotent). After uv_poll_stop
  // the fd is out of epoll, so the caller may close it immediately.
  void CloseHandle(bool from_hook) {
    if (h_ == nullptr) return;
    if (!from_hook) napi_remove_env_cleanup_hook(Env(), CleanupHook, this);
    uv_poll_stop(&h_->poll);
    h_->owner = nullptr;
    uv_close(reinterpret_cast<uv_handle_t*>(&h_->poll),
             [](uv_handle_t* hh) { delete reinterpret_cast<Handle*>(hh); });
    h_ = nullptr;
  }

  void Start(const Napi::CallbackInfo& info) {
    if (h_ == nullptr) throw Napi::Error::New(info.Env(), "FdWatcher is closed");
    int mask = ArgInt(info, 0, "events");
    int uvev = ((mask & kReadable) ? UV_READABLE : 0) | ((mask & kWritable) ? UV_WRITABLE : 0);
    int r = uvev ? uv_poll_start(&h_->poll, uvev, OnPoll) : uv_poll_stop(&h_->poll);
    if (r < 0) ThrowErrno(info.Env(), "uv_poll_start", -r);
  }

  void Stop(const Napi::CallbackInfo& info) {
    if (h_ != nullptr) uv_poll_stop(&h_->poll);
  }

  void Close(const Napi::CallbackInfo& info) {
    if (h_ == nullptr) return;
    CloseHandle(false);
    cb_.Reset();
    Unref();
  }

  void RefLoop(const Napi::CallbackInfo& info) {
    if (h_ != nullptr) uv_ref(reinterpret_cast<uv_handle_t*>(&h_->poll));
  }
  void UnrefLoop(const Napi::CallbackInfo& info) {
    if (h_ != nullptr) uv_unref(reinterpret_cast<uv_handle_t*>(&h_->poll));
  }

  Handle* h_ = nullptr;
  Napi::FunctionReference cb_;
  std::unique_ptr<Napi::AsyncContext> ctx_;
};

struct AddonData {
  Napi::FunctionReference watcherCtor;
};

Napi::Value Watch(const Napi::CallbackInfo& info) {
  AddonData* d = info.Env().GetInstanceData<AddonData>();
  return d->watcherCtor.New({info[0], info[1]});
}

// ------------------------------------------------------------------ flock

// flock(fd, op): op is LOCK_SH=1, LOCK_EX=2, LOCK_UN=8, optionally | LOCK_NB=4.
// true once done; false when LOCK_NB was given and the lock is held elsewhere.
// Never call it without LOCK_NB from the Node thread (it would block the loop).
Napi::Value Flock(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  int op = ArgInt(info, 1, "op");
  int r;
  do r = flock(fd, op); while (r < 0 && errno == EINTR);
  if (r < 0) {
    if (WouldBlock(errno)) return Napi::Boolean::New(info.Env(), false);
    ThrowErrno(info.Env(), "flock", errno);
  }
  return Napi::Boolean::New(info.Env(), true);
}

// ---------------------------------------------------------------- clock

// setRealtime(sec, nsec): clock_settime(CLOCK_REALTIME). The guest agent
// sets the VM's wall clock to the host's: a guest boots with the RTC's whole
// seconds, and its clock stands still while the VM is paused.
void SetRealtime(const Napi::CallbackInfo& info) {
  uint64_t sec = ArgSize(info, 0, "sec");
  int nsec = ArgInt(info, 1, "nsec");
  if (nsec < 0 || nsec > 999999999) ThrowType(info.Env(), "nsec must be 0..999999999");
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(sec);
  ts.tv_nsec = nsec;
  if (clock_settime(CLOCK_REALTIME, &ts) < 0) ThrowErrno(info.Env(), "clock_settime", errno);
}

// ------------------------------------------------------------ terminals

// openpty(): a new pseudo-terminal pair from /dev/ptmx. Both fds cloexec and
// O_NOCTTY (opening never makes it our controlling terminal); the master is
// non-blocking (the event loop drives it), the slave blocking (it becomes a
// child's stdio). name: the slave's path, /dev/pts/N.
Napi::Value OpenPty(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
  if (m < 0) ThrowErrno(env, "posix_openpt", errno);
  char name[64];
  if (grantpt(m) < 0 || unlockpt(m) < 0 || ptsname_r(m, name, sizeof name) != 0) {
    int e = errno; close(m); ThrowErrno(env, "unlockpt", e);
  }
  int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) { int e = errno; close(m); ThrowErrno(env, "open", e); }
  Napi::Object r = Napi::Object::New(env);
  r.Set("master", m);
  r.Set("slave", s);
  r.Set("name", name);
  return r;
}

// getWinsize(fd): {rows, cols} (TIOCGWINSZ) of a pty master or slave.
Napi::Value GetWinsize(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  winsize ws{};
  if (ioctl(fd, TIOCGWINSZ, &ws) < 0) ThrowErrno(info.Env(), "ioctl(TIOCGWINSZ)", errno);
  Napi::Object r = Napi::Object::New(info.Env());
  r.Set("rows", ws.ws_row);
  r.Set("cols", ws.ws_col);
  return r;
}

// setWinsize(fd, rows, cols): TIOCSWINSZ; the kernel sends SIGWINCH to the
// terminal's foreground process group when the size changes.
void SetWinsize(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  int rows = ArgInt(info, 1, "rows");
  int cols = ArgInt(info, 2, "cols");
  if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff) ThrowType(info.Env(), "rows/cols must be 0..65535");
  winsize ws{};
  ws.ws_row = static_cast<unsigned short>(rows);
  ws.ws_col = static_cast<unsigned short>(cols);
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) ThrowErrno(info.Env(), "ioctl(TIOCSWINSZ)", errno);
}

// setRaw(fd): cfmakeraw on the terminal (no echo, no line editing, no
// signals from ^C, no output processing): bytes pass through unchanged.
void SetRaw(const Napi::CallbackInfo& info) {
  int fd = ArgInt(info, 0, "fd");
  termios t{};
  if (tcgetattr(fd, &t) < 0) ThrowErrno(info.Env(), "tcgetattr", errno);
  cfmakeraw(&t);
  if (tcsetattr(fd, TCSANOW, &t) < 0) ThrowErrno(info.Env(), "tcsetattr", errno);
}

// unixConnect(path): a cloexec, non-blocking AF_UNIX stream socket connected
// to path. The connect itself is blocking (a Unix connect completes at once
// unless the listener's backlog is full).
Napi::Value UnixConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) ThrowType(env, "path must be a string");
  std::string path = info[0].As<Napi::String>().Utf8Value();
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(sa.sun_path)) ThrowErrno(env, "connect", ENAMETOOLONG);
  memcpy(sa.sun_path, path.data(), path.size());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, "socket", errno);
  int r;
  do r = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  while (r < 0 && errno == EINTR);
  if (r < 0) { int e = errno; close(fd); ThrowErrno(env, "connect", e); }
  int fl = fcntl(fd, F_GETFL);
  if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) { int e = errno; close(fd); ThrowErrno(env, "fcntl", e); }
  return Napi::Number::New(env, fd);
}

// ------------------------------------------------------------------- init

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  AddonData* d = new AddonData();
  d->watcherCtor = Napi::Persistent(Watcher::Define(env));
  env.SetInstanceData(d);  // deleted by Node at env teardown

  auto fn = [&](const char* name, auto f) { exports.Set(name, Napi::Function::New(env, f, name)); };
  fn("socketpair", SocketPair);
  fn("setBlocking", SetBlocking);
  fn("unixListen", UnixListen);
  fn("accept", Accept);
  fn("recvmsg", RecvMsg);
  fn("sendmsg", SendMsg);
  fn("read", Read);
  fn("write", Write);
  fn("close", Close);
  fn("shutdown", Shutdown);
  fn("cloexecFrom", CloexecFrom);
  fn("eventfd", EventFd);
  fn("eventfdRead", EventFdRead);
  fn("eventfdWrite", EventFdWrite);
  fn("mmap", Mmap);
  fn("munmap", Munmap);
  fn("watch", Watch);
  fn("vsockListen", VsockListen);
  fn("vsockConnect", VsockConnect);
  fn("socketError", SocketError);
  fn("errnoName", ErrnoNameJs);
  fn("flock", Flock);
  fn("openpty", OpenPty);
  fn("getWinsize", GetWinsize);
  fn("setWinsize", SetWinsize);
  fn("setRaw", SetRaw);
  fn("unixConnect", UnixConnect);
  fn("setRealtime", SetRealtime);
  return exports;
}

}  // namespace

NODE_API_MODULE(clear_native, Init)
