// Positioned reads of a file from a native thread, and read buffers of their own mapping, for the
// addon's passes over a segment's files (level0-prescan.cc). POSIX only: the caller compiles them
// where CHROMA_INSPECTOR_PRESCAN is defined.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace positioned_reads {

inline int openRead(const std::string& file) { return file.empty() ? -1 : open(file.c_str(), O_RDONLY | O_CLOEXEC); }

// Reads exactly `bytes` at `at`, or false (an error, or the file ended first).
inline bool readFully(int fd, uint8_t* into, size_t bytes, int64_t at) {
  size_t done = 0;
  while (done < bytes) {
    const ssize_t got = pread(fd, into + done, bytes - done, static_cast<off_t>(at + static_cast<int64_t>(done)));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    done += static_cast<size_t>(got);
  }
  return true;
}

// Reads up to `bytes` at `at` and returns how many came (fewer at the file's end; -1 on an error).
inline int64_t readUpTo(int fd, uint8_t* into, size_t bytes, int64_t at) {
  size_t done = 0;
  while (done < bytes) {
    const ssize_t got = pread(fd, into + done, bytes - done, static_cast<off_t>(at + static_cast<int64_t>(done)));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return -1;
    if (got == 0) break;
    done += static_cast<size_t>(got);
  }
  return static_cast<int64_t>(done);
}

inline uint32_t u32At(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;  // little-endian hosts only (the caller checks)
}

inline float f32At(const uint8_t* p) {
  float v;
  std::memcpy(&v, p, 4);
  return v;
}

// A read buffer mapped for the pass alone and unmapped after it. From malloc it would come from
// this thread's own arena, which keeps the freed megabytes resident for the rest of the process.
class ChunkMemory {
 public:
  explicit ChunkMemory(size_t bytes) : bytes_(bytes) {
    void* p = mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    data_ = p == MAP_FAILED ? nullptr : static_cast<uint8_t*>(p);
  }
  ~ChunkMemory() {
    if (data_) munmap(data_, bytes_);
  }
  ChunkMemory(const ChunkMemory&) = delete;
  ChunkMemory& operator=(const ChunkMemory&) = delete;
  uint8_t* data() { return data_; }

 private:
  size_t bytes_;
  uint8_t* data_ = nullptr;
};

}  // namespace positioned_reads
