// residentShare(fd): the share of a file's pages in the OS page cache, 0 to 1 (docs/native.md).
// A count over a million records holds the engine's thread ~35 ms when chroma.sqlite3 is in the
// page cache and about a second when it is read from disk (engine/collection/segment-records.ts),
// so it is counted in one piece only when the file is known to be there.
//
// The file is mapped read-only and shared, and mincore() reports which of its pages are cached;
// nothing is read, so no page is brought in and none can fault (a file truncated meanwhile only
// makes the count stale). -1 where it cannot tell: arguments it does not accept, a system without
// mincore, a file over 256 GiB, or any call that fails.
#include <napi.h>

#include <cstdint>
#include <vector>

#if defined(__linux__) || defined(__APPLE__)
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace {

Napi::Value ResidentShare(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto cannot = [&]() { return Napi::Number::New(env, -1); };
  if (info.Length() < 1 || !info[0].IsNumber()) return cannot();
  const double fdArg = info[0].As<Napi::Number>().DoubleValue();
  if (!(fdArg >= 0 && fdArg <= 2147483647.0) || fdArg != static_cast<double>(static_cast<int>(fdArg))) return cannot();
#if defined(__linux__) || defined(__APPLE__)
  const int fd = static_cast<int>(fdArg);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) return cannot();
  if (st.st_size == 0) return Napi::Number::New(env, 1);
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size > (uint64_t{256} << 30)) return cannot();
  const long pageSize = sysconf(_SC_PAGESIZE);
  if (pageSize <= 0) return cannot();
  const size_t page = static_cast<size_t>(pageSize);
  const size_t length = static_cast<size_t>(size);
  void* map = mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
  if (map == MAP_FAILED) return cannot();
  const size_t pages = (length + page - 1) / page;
#if defined(__APPLE__)
  std::vector<char> vec(pages);
#else
  std::vector<unsigned char> vec(pages);
#endif
  const int got = mincore(map, length, vec.data());
  munmap(map, length);
  if (got != 0) return cannot();
  size_t resident = 0;
  for (size_t i = 0; i < pages; i++) resident += (vec[i] & 1) != 0 ? 1 : 0;
  return Napi::Number::New(env, static_cast<double>(resident) / static_cast<double>(pages));
#else
  return cannot();
#endif
}

}  // namespace

void RegisterPageResidency(Napi::Env env, Napi::Object exports) {
  exports.Set("residentShare", Napi::Function::New(env, ResidentShare));
}
