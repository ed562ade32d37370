{
  "target_defaults": {
    "cflags!": ["-fno-exceptions"],
    "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
    "cflags_cc": ["-O2", "-std=c++17", "-pthread"],
    "defines": ["NAPI_VERSION=8", "OMPI_SKIP_MPICXX=1", "MPICH_SKIP_MPICXX=1"]
  },
  "targets": [
    {
      "target_name": "fets_mpi",
      "sources": ["src/addon.cc", "src/collectives.cc", "src/reader.cc"],
      "cflags_cc": ["<!@(node mpiflags.mjs compile)"],
      "libraries": ["<!@(node mpiflags.mjs link)"],
      "ldflags": ["-pthread"]
    }
  ]
}
