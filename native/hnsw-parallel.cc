// hnswlib's HierarchicalNSW with its own multi-threaded insert, for building HNSW checkpoints
// (src-main/engine/write/checkpoint-build-program.ts; docs/native.md).
//
// hnswlib-node, which the engine otherwise uses, inserts one vector per call on the calling
// thread, so a build uses one core. hnswlib's addPoint is safe to call from many threads at once
// (its per-element and per-label locks; its Python bindings' add_items does exactly this), so
// addItems here runs it on `threads` threads over a range of the given vectors.
//
// The methods mirror hnswlib-node's HierarchicalNSW (same names, same arguments, same hnswlib
// calls), so that a build with one thread writes byte for byte the file hnswlib-node writes.
// Spaces: 'l2' and 'ip' only; cosine collections arrive normalised, as 'ip'.
//
// Every call is synchronous: the caller is a build thread (or an engine thread in short slices),
// never a thread that must stay responsive. addItems checks two shared Int32 words before each
// vector — the build's cancel word and the thread's native-guard word ("termination is coming",
// engine/util/native-guard.ts) — and returns early when either is set, so that whoever waits for
// the calling thread to leave native code waits for one insert per thread at most.
#include <napi.h>

#include "napi-args.h"

#include <atomic>
#include <cstdio>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hnswlib.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif
#if defined(__unix__) || defined(__APPLE__)
#include <cerrno>
#include <unistd.h>
#endif

// plainIdEntries and plainLabelPairs (pickle-pairs.cc).
void RegisterPicklePairs(Napi::Env env, Napi::Object exports);
// residentShare (page-residency.cc).
void RegisterPageResidency(Napi::Env env, Napi::Object exports);
void RegisterLevel0Prescan(Napi::Env env, Napi::Object exports);

namespace {

// A word of a SharedArrayBuffer, read as the JavaScript side's Atomics write it.
bool flagSet(const int32_t* word) {
  return word != nullptr && reinterpret_cast<const std::atomic<int32_t>*>(word)->load(std::memory_order_seq_cst) != 0;
}

// Whether this CPU and OS run AVX2 and FMA code (the second build's instructions): CPUID leaf 1
// (FMA, OSXSAVE, AVX), leaf 7 (AVX2), and XCR0 saying the OS saves the YMM registers.
bool avx2Capable() {
#if defined(USE_SSE) && (defined(__x86_64__) || defined(_M_X64))
  int32_t info[4];
  cpuid(info, 0, 0);
  if (info[0] < 7) return false;
  cpuid(info, 1, 0);
  const bool fma = (info[2] & (1 << 12)) != 0, osxsave = (info[2] & (1 << 27)) != 0, avx = (info[2] & (1 << 28)) != 0;
  if (!fma || !osxsave || !avx || (xgetbv(0) & 0x6) != 0x6) return false;
  cpuid(info, 7, 0);
  return (info[1] & (1 << 5)) != 0;
#else
  return false;
#endif
}

// A stop word: an Int32Array of at least one element, or undefined/null for none. Anything else
// is refused (a run that could not be stopped must not start).
bool wordOf(const Napi::Value& v, const int32_t** out) {
  *out = nullptr;
  if (v.IsUndefined() || v.IsNull()) return true;
  if (!v.IsTypedArray()) return false;
  auto array = v.As<Napi::TypedArray>();
  if (array.TypedArrayType() != napi_int32_array || array.ElementLength() < 1) return false;
  *out = static_cast<const int32_t*>(array.As<Napi::Int32Array>().Data());
  return true;
}

// The data pointer and byte length of a typed array argument (any element type, any buffer:
// napi_args::typedArrayInfo), or false.
bool bytesOf(napi_env env, napi_value value, uint8_t** data, size_t* bytes, napi_typedarray_type* type) {
  size_t length = 0;
  void* raw = nullptr;
  napi_value buffer;
  if (!napi_args::typedArrayInfo(Napi::Value(env, value), type, &raw, &length, &buffer) || raw == nullptr) return false;
  size_t width = 1;
  switch (*type) {
    case napi_int16_array: case napi_uint16_array: width = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
    default: break;
  }
  *data = static_cast<uint8_t*>(raw);
  *bytes = length * width;
  return true;
}

// Asks Linux to back the 2 MiB-aligned part of a typed array's memory with transparent huge
// pages (madvise MADV_HUGEPAGE; docs/native.md). Fresh memory costs its first writer one page
// fault per 4 KiB page — about 12 µs each on the virtual machines measured, 1.5 s for 512 MB of
// vectors — and one fault per 2 MiB page when the kernel can give one. Only advice: the memory,
// its contents and its size do not change, and where the kernel has no huge page to give it
// falls back to small pages. Returns the bytes advised (0 when none: not Linux, too small, or
// the kernel refused, e.g. transparent huge pages set to "never").
Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray()) {
    Napi::TypeError::New(env, "expected a typed array").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  uint8_t* data = nullptr;
  size_t bytes = 0;
  napi_typedarray_type type;
  if (!bytesOf(env, info[0], &data, &bytes, &type)) return Napi::Number::New(env, 0);
  const uintptr_t huge = uintptr_t{2} << 20;
  const uintptr_t from = reinterpret_cast<uintptr_t>(data);
  const uintptr_t to = from + bytes;
  const uintptr_t start = (from + huge - 1) & ~(huge - 1), end = to & ~(huge - 1);
  if (end <= start) return Napi::Number::New(env, 0);
  if (madvise(reinterpret_cast<void*>(start), end - start, MADV_HUGEPAGE) != 0) return Napi::Number::New(env, 0);
  return Napi::Number::New(env, static_cast<double>(end - start));
#else
  return Napi::Number::New(env, 0);
#endif
}

#if defined(__linux__) && defined(MADV_HUGEPAGE)
// One hugePagedBuffer mapping: unmapped exactly once, by whichever comes first of the buffer's
// finalizer and the failure path (Node may run the finalizer itself when it refuses the buffer).
struct HugeMapping {
  size_t length;
  bool unmapped;
  // Set once the ArrayBuffer owns the mapping: its finalizer then also frees this record.
  bool handedOver;
};

// Bytes of hugePagedBuffer mappings not yet unmapped, in this process (all threads).
std::atomic<size_t> hugeMappedBytes{0};

// Statuses napi_create_external_arraybuffer returns before Node takes the finalizer (its argument
// and environment checks, and the V8 sandbox's refusal: napi_no_external_buffers_allowed, 22,
// napi_cannot_run_js, 23, named by number for headers older than them).
bool refusedBeforeFinalizer(napi_status status) {
  const int code = static_cast<int>(status);
  return status == napi_invalid_arg || status == napi_pending_exception || code == 22 || code == 23;
}

// Frees a hugePagedBuffer's mapping when V8 frees its ArrayBuffer (on a later turn of Node's
// event loop: Node runs these finalizers from an immediate).
void unmapBuffer(napi_env, void* data, void* hint) {
  auto* mapping = static_cast<HugeMapping*>(hint);
  if (!mapping->unmapped) {
    munmap(data, mapping->length);
    mapping->unmapped = true;
    hugeMappedBytes.fetch_sub(mapping->length);
  }
  if (mapping->handedOver) delete mapping;
}
#endif

// A zero-filled ArrayBuffer of `bytes` in an anonymous mapping of its own, starting on a 2 MiB
// boundary and advised for transparent huge pages before anything touches it (docs/native.md).
// adviseHugePages can only advise memory malloc mapped apart (over 32 MiB); this serves the
// smaller tables a first query fills at random, a few MB each, whose every 4 KiB page was a fault.
// Unmapped once the buffer is garbage-collected, when Node runs its finalizer (a later turn of the
// event loop). Undefined where it cannot be had — not Linux, over 2 GiB, no memory, or a runtime
// that refuses ArrayBuffers over outside memory (Electron's V8 sandbox) — and the caller then
// allocates as usual.
Napi::Value HugePagedBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "expected a byte length").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  const double want = info[0].As<Napi::Number>().DoubleValue();
  // Up to 2 GiB - 1: within what a 64-bit Node's Buffer holds (a 32-bit one refuses more than
  // ~1 GiB, calling the finalizer itself: see below) and what a 32-bit size_t can add a huge page to.
  if (!(want >= 1 && want <= 2147483647.0)) return env.Undefined();
  // With an exception pending Node would refuse the buffer anyway: nothing is mapped then.
  bool pending = false;
  if (napi_is_exception_pending(env, &pending) != napi_ok || pending) return env.Undefined();
  const size_t huge = size_t{2} << 20, page = 4096;
  const size_t bytes = static_cast<size_t>(want);
  const size_t length = (bytes + page - 1) & ~(page - 1);
  // One huge page more than needed, so that an aligned start fits; the slack is unmapped again.
  // The end stays on a small page: a partly used last 2 MiB is not backed by a huge page.
  const size_t span = length + huge;
  void* raw = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) return env.Undefined();
  const uintptr_t from = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t start = (from + huge - 1) & ~(huge - 1);
  if (start > from) munmap(raw, start - from);
  const size_t tail = from + span - (start + length);
  if (tail > 0) munmap(reinterpret_cast<void*>(start + length), tail);
  void* data = reinterpret_cast<void*>(start);
  madvise(data, length, MADV_HUGEPAGE);  // advice only: small pages if refused
  auto* mapping = new HugeMapping{length, false, false};
  hugeMappedBytes.fetch_add(length);
  // V8 counts an ArrayBuffer's bytes towards its collections itself, whoever allocated them.
  napi_value buffer;
  const napi_status status = napi_create_external_arraybuffer(env, data, bytes, unmapBuffer, mapping, &buffer);
  if (status != napi_ok) {
    if (mapping->unmapped) {
      // Node refused the buffer and ran the finalizer itself (a size it does not hold).
      delete mapping;
    } else if (refusedBeforeFinalizer(status)) {
      munmap(data, length);
      hugeMappedBytes.fetch_sub(length);
      delete mapping;
    } else {
      // A failure after Node took the finalizer, which may still run: the mapping is left to it
      // (at worst, kept until the process ends).
      mapping->handedOver = true;
    }
    if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
      napi_value ignored;
      napi_get_and_clear_last_exception(env, &ignored);
    }
    return env.Undefined();
  }
  mapping->handedOver = true;
  return Napi::Value(env, buffer);
#else
  return env.Undefined();
#endif
}

// hugePagedBytes(): bytes of hugePagedBuffer mappings this process has not unmapped yet — dropped
// buffers included until Node runs their finalizers, which a caller that never yields to the
// event loop delays (huge-pages.ts keeps its own under a budget with it).
Napi::Value HugePagedBytes(const Napi::CallbackInfo& info) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  return Napi::Number::New(info.Env(), static_cast<double>(hugeMappedBytes.load()));
#else
  return Napi::Number::New(info.Env(), 0);
#endif
}

// readRows(fd, ids, count, rowBytes, out): rows of `rowBytes` bytes of the file open as `fd`, row k
// from byte ids[k] × rowBytes, into out[k × rowBytes …] — the rows a graph walk over
// data_level0.bin needs next, read in one call (engine/util/row-reads.ts), where one readSync a
// row cost 4–35 µs in a fresh process. Gives how many rows, from the first, were read whole: it
// stops at the first short read or error. -1 where it cannot read (arguments it does not accept,
// or a system without pread), for the caller to read as before.
Napi::Value ReadRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const auto refuse = [&]() { return Napi::Number::New(env, -1); };
  if (info.Length() < 5 || !info[0].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber()) return refuse();
  uint8_t* idBytes = nullptr;
  uint8_t* out = nullptr;
  size_t idLength = 0, outLength = 0;
  napi_typedarray_type idType, outType;
  if (!bytesOf(env, info[1], &idBytes, &idLength, &idType) || idType != napi_uint32_array) return refuse();
  if (!bytesOf(env, info[4], &out, &outLength, &outType)) return refuse();
  const double fdArg = info[0].As<Napi::Number>().DoubleValue();
  const double countArg = info[2].As<Napi::Number>().DoubleValue();
  const double rowArg = info[3].As<Napi::Number>().DoubleValue();
  if (!(fdArg >= 0 && fdArg <= 2147483647.0) || !(countArg >= 0 && countArg <= idLength / 4.0) || !(rowArg >= 1 && rowArg <= 1073741824.0)) return refuse();
  const size_t count = static_cast<size_t>(countArg), rowBytes = static_cast<size_t>(rowArg);
  if (count > outLength / rowBytes) return refuse();
#if defined(__unix__) || defined(__APPLE__)
  const int fd = static_cast<int>(fdArg);
  const uint32_t* ids = reinterpret_cast<const uint32_t*>(idBytes);
  for (size_t k = 0; k < count; k++) {
    const off_t at = static_cast<off_t>(ids[k]) * static_cast<off_t>(rowBytes);
    size_t done = 0;
    while (done < rowBytes) {
      const ssize_t got = pread(fd, out + k * rowBytes + done, rowBytes - done, at + static_cast<off_t>(done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return Napi::Number::New(env, static_cast<double>(k));
      done += static_cast<size_t>(got);
    }
  }
  return Napi::Number::New(env, static_cast<double>(count));
#else
  return refuse();
#endif
}

// hnswlib reports failures as C++ exceptions; they reach JavaScript as "Hnswlib Error: …", as
// hnswlib-node words them.
void throwHnswlibError(Napi::Env env, const char* what) {
  Napi::Error::New(env, std::string("Hnswlib Error: ") + what).ThrowAsJavaScriptException();
}

template <typename Call>
void callHnswlib(Napi::Env env, Call&& call) {
  try {
    call();
  } catch (const std::exception& e) {
    throwHnswlibError(env, e.what());
  }
}

class ParallelIndex : public Napi::ObjectWrap<ParallelIndex> {
 public:
  static Napi::Object Init(Napi::Env env, Napi::Object exports) {
    Napi::Function func = DefineClass(env, "ParallelIndex", {
      InstanceMethod("initIndex", &ParallelIndex::InitIndex),
      InstanceMethod("readIndexSync", &ParallelIndex::ReadIndexSync),
      InstanceMethod("writeIndexSync", &ParallelIndex::WriteIndexSync),
      InstanceMethod("markDelete", &ParallelIndex::MarkDelete),
      InstanceMethod("getCurrentCount", &ParallelIndex::GetCurrentCount),
      InstanceMethod("getMaxElements", &ParallelIndex::GetMaxElements),
      InstanceMethod("resizeIndex", &ParallelIndex::ResizeIndex),
      InstanceMethod("addItems", &ParallelIndex::AddItems),
      InstanceMethod("releaseMemory", &ParallelIndex::ReleaseMemory),
    });
    exports.Set("ParallelIndex", func);
    // Bumped whenever the JavaScript side's expectations of this addon change (parallel-insert.ts).
    exports.Set("apiVersion", Napi::Number::New(env, 1));
    exports.Set("adviseHugePages", Napi::Function::New(env, AdviseHugePages));
    exports.Set("hugePagedBuffer", Napi::Function::New(env, HugePagedBuffer));
    exports.Set("hugePagedBytes", Napi::Function::New(env, HugePagedBytes));
    exports.Set("readRows", Napi::Function::New(env, ReadRows));
    RegisterPicklePairs(env, exports);
    RegisterPageResidency(env, exports);
    RegisterLevel0Prescan(env, exports);
    exports.Set("avx2Capable", Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), avx2Capable()); }));
#ifdef CHROMA_INSPECTOR_AVX2_BUILD
    exports.Set("instructionSet", Napi::String::New(env, "avx2"));
#else
    exports.Set("instructionSet", Napi::String::New(env, "baseline"));
#endif
    return exports;
  }

  explicit ParallelIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ParallelIndex>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsString() || !info[1].IsNumber()) {
      Napi::TypeError::New(env, "expected (space: 'l2' | 'ip', dim: number)").ThrowAsJavaScriptException();
      return;
    }
    const std::string space = info[0].As<Napi::String>().Utf8Value();
    const int64_t dim = info[1].As<Napi::Number>().Int64Value();
    if (dim < 1 || dim > 65536) {
      Napi::RangeError::New(env, "dim must be between 1 and 65536").ThrowAsJavaScriptException();
      return;
    }
    dim_ = static_cast<size_t>(dim);
    if (space == "l2") {
      space_.reset(new hnswlib::L2Space(dim_));
    } else if (space == "ip") {
      space_.reset(new hnswlib::InnerProductSpace(dim_));
    } else {
      Napi::TypeError::New(env, "space must be 'l2' or 'ip'").ThrowAsJavaScriptException();
    }
  }

 private:
  size_t dim_ = 0;
  std::unique_ptr<hnswlib::SpaceInterface<float>> space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;

  bool ready(Napi::Env env) {
    if (index_) return true;
    Napi::Error::New(env, "the index is not initialised").ThrowAsJavaScriptException();
    return false;
  }

  // initIndex({ maxElements, m, efConstruction, randomSeed, allowReplaceDeleted }), as hnswlib-node's.
  Napi::Value InitIndex(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!space_) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsObject()) {
      Napi::TypeError::New(env, "expected an options object").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object o = info[0].As<Napi::Object>();
    auto num = [&](const char* key, double fallback) {
      Napi::Value v = o.Get(key);
      return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
    };
    const double maxElements = num("maxElements", -1), m = num("m", 16), ef = num("efConstruction", 200);
    const double seed = num("randomSeed", 100);
    // Bounds before any conversion to an integer type (out-of-range conversions are undefined).
    if (!(maxElements >= 0 && maxElements <= 4294967295.0) || !(m >= 2 && m <= 65535) || !(ef >= 1 && ef <= 4294967295.0) ||
        !(seed >= 0 && seed <= 4294967295.0)) {
      Napi::RangeError::New(env, "invalid index parameters").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const bool replaceDeleted = o.Get("allowReplaceDeleted").ToBoolean().Value();
    callHnswlib(env, [&] {
      index_.reset(new hnswlib::HierarchicalNSW<float>(space_.get(), static_cast<size_t>(maxElements), static_cast<size_t>(m),
                                                       static_cast<size_t>(ef), static_cast<size_t>(static_cast<uint32_t>(seed)),
                                                       replaceDeleted));
    });
    return env.Undefined();
  }

  // readIndexSync(file, allowReplaceDeleted), as hnswlib-node's.
  Napi::Value ReadIndexSync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!space_) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsString()) {
      Napi::TypeError::New(env, "expected a file name").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const std::string file = info[0].As<Napi::String>().Utf8Value();
    const bool replaceDeleted = info.Length() > 1 && info[1].ToBoolean().Value();
    callHnswlib(env, [&] {
      index_.reset();
      index_.reset(new hnswlib::HierarchicalNSW<float>(space_.get(), file, false, 0, replaceDeleted));
    });
    return env.Undefined();
  }

  Napi::Value WriteIndexSync(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsString()) {
      Napi::TypeError::New(env, "expected a file name").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    callHnswlib(env, [&] {
      index_->saveIndex(info[0].As<Napi::String>().Utf8Value());
    });
    return env.Undefined();
  }

  Napi::Value MarkDelete(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 1 || !info[0].IsNumber()) {
      Napi::TypeError::New(env, "expected a label").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    callHnswlib(env, [&] {
      index_->markDelete(static_cast<hnswlib::labeltype>(info[0].As<Napi::Number>().Int64Value()));
    });
    return env.Undefined();
  }

  Napi::Value GetCurrentCount(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    return Napi::Number::New(env, static_cast<double>(index_->getCurrentElementCount()));
  }

  Napi::Value GetMaxElements(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    return Napi::Number::New(env, static_cast<double>(index_->getMaxElements()));
  }

  Napi::Value ResizeIndex(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    const double capacity = info.Length() < 1 || !info[0].IsNumber() ? -1 : info[0].As<Napi::Number>().DoubleValue();
    if (!(capacity >= 0 && capacity <= 4294967295.0)) {
      Napi::TypeError::New(env, "expected a capacity").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    callHnswlib(env, [&] {
      index_->resizeIndex(static_cast<size_t>(capacity));
    });
    return env.Undefined();
  }

  // addItems(vectors: Float32Array, labels: Float64Array, start, end, threads, cancel?: Int32Array,
  // guard?: Int32Array): inserts vectors[start..end) (dim floats each) under labels[start..end)
  // with `threads` threads, stopping before the next vector once cancel[0] or guard[0] is set.
  // Returns how many were inserted. With one thread, in order, as hnswlib-node's addPoint loop.
  Napi::Value AddItems(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!ready(env)) return env.Undefined();
    if (info.Length() < 5 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsNumber() || !info[3].IsNumber() ||
        !info[4].IsNumber()) {
      Napi::TypeError::New(env, "expected (vectors, labels, start, end, threads, cancel?, guard?)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto vectorsArray = info[0].As<Napi::TypedArray>();
    auto labelsArray = info[1].As<Napi::TypedArray>();
    if (vectorsArray.TypedArrayType() != napi_float32_array || labelsArray.TypedArrayType() != napi_float64_array) {
      Napi::TypeError::New(env, "vectors must be a Float32Array and labels a Float64Array").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const size_t count = labelsArray.ElementLength();
    const double startArg = info[2].As<Napi::Number>().DoubleValue(), endArg = info[3].As<Napi::Number>().DoubleValue();
    if (vectorsArray.ElementLength() != count * dim_ || !(startArg >= 0) || !(startArg <= endArg) || !(endArg <= static_cast<double>(count))) {
      Napi::RangeError::New(env, "the vectors, labels and range do not fit each other").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const float* vectors = vectorsArray.As<Napi::Float32Array>().Data();
    const double* labels = labelsArray.As<Napi::Float64Array>().Data();
    for (size_t i = static_cast<size_t>(startArg); i < static_cast<size_t>(endArg); i++) {
      if (!(labels[i] >= 0) || labels[i] > 9007199254740991.0 || labels[i] != static_cast<double>(static_cast<uint64_t>(labels[i]))) {
        Napi::RangeError::New(env, "a label is not a non-negative integer").ThrowAsJavaScriptException();
        return env.Undefined();
      }
    }
    const int32_t* cancel = nullptr;
    const int32_t* guard = nullptr;
    if (!wordOf(info.Length() > 5 ? info[5] : env.Undefined(), &cancel) || !wordOf(info.Length() > 6 ? info[6] : env.Undefined(), &guard)) {
      Napi::TypeError::New(env, "cancel and guard must be Int32Arrays (or undefined)").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const size_t start = static_cast<size_t>(startArg), end = static_cast<size_t>(endArg);
    const double threadsArg = info[4].As<Napi::Number>().DoubleValue();
    const size_t threads = threadsArg >= 64 ? 64 : threadsArg >= 1 ? static_cast<size_t>(threadsArg) : 1;

    std::atomic<size_t> next{start};
    std::atomic<size_t> added{0};
    std::atomic<bool> failed{false};
    // The first failure's message, in a fixed buffer: recording it must not throw (an exception
    // escaping a std::thread ends the process).
    char error[512] = "an unknown error";
    auto fail = [&](const char* what) noexcept {
      if (failed.exchange(true)) return;
      std::snprintf(error, sizeof error, "%s", what);
    };
    auto work = [&]() noexcept {
      for (;;) {
        if (failed.load() || flagSet(cancel) || flagSet(guard)) return;
        const size_t i = next.fetch_add(1);
        if (i >= end) return;
        try {
          index_->addPoint(vectors + i * dim_, static_cast<hnswlib::labeltype>(labels[i]));
          added.fetch_add(1);
        } catch (const std::exception& e) {
          fail(e.what());
          return;
        } catch (...) {
          fail("an unknown error");
          return;
        }
      }
    };
    if (threads == 1 || end - start < 2) {
      work();
    } else {
      std::vector<std::thread> pool;
      try {
        pool.reserve(threads - 1);
        for (size_t t = 1; t < threads; t++) pool.emplace_back(work);
      } catch (...) {
        // Fewer threads than asked (the system refused one): the ones running share the work.
      }
      work();
      for (auto& t : pool) t.join();
    }
    if (failed.load()) {
      throwHnswlibError(env, error);
      return env.Undefined();
    }
    return Napi::Number::New(env, static_cast<double>(added.load()));
  }

  // Frees the index (it is unusable after). Its level-0 block is hundreds of MB at a million
  // elements; free() hands it back with one munmap, which holds the process's address-space lock
  // while it drops every page (~0.1-0.25 s on a VM), and every other thread that maps memory or
  // faults a fresh page waits that long: the engine's own thread among them. So its pages are
  // dropped first, 32 MB at a time, with madvise(MADV_DONTNEED), which holds that lock only for
  // reading and lets waiting mappers in between; the munmap then has no pages left to drop.
  Napi::Value ReleaseMemory(const Napi::CallbackInfo& info) {
    if (!index_) return info.Env().Undefined();
#if defined(__linux__)
    const uintptr_t page = 4096, step = uintptr_t(32) << 20;
    const uintptr_t from = reinterpret_cast<uintptr_t>(index_->data_level0_memory_);
    const uintptr_t to = from + index_->max_elements_ * index_->size_data_per_element_;
    const uintptr_t start = (from + page - 1) & ~(page - 1), end = to & ~(page - 1);
    for (uintptr_t at = start; from != 0 && at < end; at += step) {
      madvise(reinterpret_cast<void*>(at), (end - at < step ? end - at : step), MADV_DONTNEED);
      std::this_thread::yield();
    }
#endif
    index_.reset();
    return info.Env().Undefined();
  }
};

Napi::Object Init(Napi::Env env, Napi::Object exports) { return ParallelIndex::Init(env, exports); }

}  // namespace

NODE_API_MODULE(chroma_inspector_hnsw, Init)
