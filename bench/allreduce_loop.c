/*
 * The reference of `npm run bench -- distributed`: MPI_Allreduce (sum, in place) on N floats in a plain C loop,
 * compiled with mpicc at bench time. Prints one JSON line: {"floats":N,"reps":R,"seconds":[...]} (per call).
 *   mpicc -O2 bench/allreduce_loop.c -o /tmp/allreduce_loop && mpirun -np 2 /tmp/allreduce_loop 11000000 5
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const long n = argc > 1 ? atol(argv[1]) : 1000000;
  const int reps = argc > 2 ? atoi(argv[2]) : 5;
  float* data = malloc(sizeof(float) * (size_t)n);
  for (long i = 0; i < n; i++) data[i] = (float)(i % 17) * 0.5f;
  MPI_Allreduce(MPI_IN_PLACE, data, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up */
  if (rank == 0) printf("{\"floats\":%ld,\"reps\":%d,\"seconds\":[", n, reps);
  for (int r = 0; r < reps; r++) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double t0 = MPI_Wtime();
    MPI_Allreduce(MPI_IN_PLACE, data, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    const double t = MPI_Wtime() - t0;
    if (rank == 0) printf("%s%.6f", r ? "," : "", t);
  }
  if (rank == 0) printf("]}\n");
  free(data);
  MPI_Finalize();
  return 0;
}
