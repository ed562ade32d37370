{
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-fno-trapping-math", "-ffp-contract=off", "-pthread"],
    "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-fno-math-errno", "-ffp-contract=off"]},
    "defines": ["NAPI_VERSION=8"]
  },
  "targets": [
    {
      "target_name": "fets_native",
      "sources": ["src/addon.cc", "src/pool.cc", "src/gemm.cc", "src/microkernels.cc", "src/elementwise.cc", "src/conv.cc",
                  "src/vec/select.cc", "src/vec/base.cc", "src/call.cc", "src/attention.cc", "src/norm.cc", "src/packcache.cc",
                  "src/alea.cc", "src/dropout.cc", "src/attention_train.cc",
                  "src/colsum.cc",
                  "src/int8/int8gemm.cc", "src/int8/int8kernels.cc", "src/int8/int8addon.cc"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["target_arch=='x64'", {"dependencies": ["fets_vec_avx512", "fets_vec_avx2"]}],
        ["target_arch!='x64'", {"defines": ["FETS_NO_X86_VEC"]}]
      ]
    },
    {
      "target_name": "fets_vec_avx512",
      "type": "static_library",
      "sources": ["src/vec/avx512.cc"],
      "cflags": ["-fPIC"],
      "cflags_cc": ["-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma", "-mprefer-vector-width=512"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off", "-mavx512f", "-mavx512vl", "-mavx512dq", "-mavx512bw", "-mavx2", "-mfma"]}
    },
    {
      "target_name": "fets_vec_avx2",
      "type": "static_library",
      "sources": ["src/vec/avx2.cc"],
      "cflags": ["-fPIC"],
      "cflags_cc": ["-mavx2", "-mfma"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17", "-ffp-contract=off", "-mavx2", "-mfma"]}
    }
  ]
}
