{
  "targets": [
    {
      "target_name": "fets_native",
      "sources": ["src/addon.cc", "src/pool.cc", "src/gemm.cc", "src/microkernels.cc", "src/elementwise.cc"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags": ["-O3", "-fno-math-errno"],
      "cflags_cc": ["-O3", "-std=c++17", "-fno-math-errno", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {"OTHER_CPLUSPLUSFLAGS": ["-O3", "-std=c++17"]},
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
