# Chroma Inspector's one native addon: hnswlib's own multi-threaded insert (docs/native.md).
# hnswlib's header comes from the installed hnswlib-node package (which builds the same header
# for its own addon), node-addon-api from node_modules; nothing of theirs is copied here.
#
# Two builds of the same source on x64: the baseline (SSE, as hnswlib-node is built), and one for
# CPUs with AVX2 and FMA, where hnswlib's distances run ~1.4x faster. The engine loads the second
# only where the baseline's avx2Capable() says the CPU and the OS support it
# (src-main/engine/hnsw/parallel-insert.ts); native/build.mjs builds without it (with_avx2=0)
# where the compiler cannot.
{
  "variables": { "with_avx2%": 1 },
  "target_defaults": {
    "sources": [ "hnsw-parallel.cc", "pickle-pairs.cc", "page-residency.cc", "level0-prescan.cc" ],
    "include_dirs": [
      "<!(node -p \"require('node-addon-api').include_dir\")",
      "<!(node -p \"require('path').join(require('path').dirname(require.resolve('hnswlib-node/package.json')), 'src', 'hnswlib')\")"
    ],
    # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: an error thrown while the calling thread is being
    # terminated is dropped instead of aborting the process (node-addon-api's fatal napi_throw).
    "defines": [ "NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS" ],
    "cflags!": [ "-fno-exceptions" ],
    "cflags_cc!": [ "-fno-exceptions" ],
    # Two builds of the same hnswlib templates may sit in one process: keep their symbols private.
    "cflags": [ "-fvisibility=hidden" ],
    "conditions": [
      ["OS=='win'", {
        "defines": [ "_HAS_EXCEPTIONS=1" ],
        "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
      }],
      ["OS=='mac'", {
        "xcode_settings": {
          "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
          "GCC_SYMBOLS_PRIVATE_EXTERN": "YES"
        }
      }]
    ]
  },
  "targets": [
    { "target_name": "chroma_inspector_hnsw" }
  ],
  "conditions": [
    ["target_arch=='x64' and with_avx2==1", {
      "targets": [
        {
          "target_name": "chroma_inspector_hnsw_avx2",
          "defines": [ "CHROMA_INSPECTOR_AVX2_BUILD" ],
          "cflags_cc": [ "-mavx2", "-mfma" ],
          "xcode_settings": { "OTHER_CPLUSPLUSFLAGS": [ "-mavx2", "-mfma" ] },
          "msvs_settings": { "VCCLCompilerTool": { "EnableEnhancedInstructionSet": "5" } }
        }
      ]
    }]
  ]
}
