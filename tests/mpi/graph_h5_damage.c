/* Damage an HDF5 graph made by `arcos-scale convert` in one precise way, for
 * tests/mpi/test_graph_h5.sh (serial HDF5 calls, no MPI):
 *   graph_h5_damage FILE attr NAME VALUE        set the u64 attribute NAME on "/"
 *   graph_h5_damage FILE delete DATASET         remove a dataset
 *   graph_h5_damage FILE float DATASET          replace a dataset by doubles, same length
 *   graph_h5_damage FILE set DATASET INDEX VALUE  write one element (as a 64-bit integer)
 *   graph_h5_damage FILE add DATASET INDEX DELTA  add DELTA to one element
 * Exit 0 when done, 1 when the file or object cannot be changed. */
#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int elem(hid_t f, const char *ds, unsigned long long idx, int64_t *v, int write) {
  hid_t d = H5Dopen2(f, ds, H5P_DEFAULT);
  if (d < 0)
    return 1;
  hid_t fs = H5Dget_space(d);
  hsize_t start = idx, one = 1;
  hid_t ms = H5Screate_simple(1, &one, NULL);
  int rc = H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &one, NULL) < 0;
  if (rc == 0)
    rc = (write ? H5Dwrite(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, v)
                : H5Dread(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, v)) < 0;
  H5Sclose(ms);
  H5Sclose(fs);
  H5Dclose(d);
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: graph_h5_damage FILE attr|delete|float|set|add ...\n");
    return 2;
  }
  hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
  if (f < 0)
    return 1;
  const char *op = argv[2];
  int rc = 1;
  if (strcmp(op, "attr") == 0 && argc == 5) {
    uint64_t v = strtoull(argv[4], NULL, 10);
    hid_t a = H5Aopen(f, argv[3], H5P_DEFAULT);
    rc = a < 0 || H5Awrite(a, H5T_NATIVE_UINT64, &v) < 0;
    if (a >= 0)
      H5Aclose(a);
  } else if (strcmp(op, "delete") == 0) {
    rc = H5Ldelete(f, argv[3], H5P_DEFAULT) < 0;
  } else if (strcmp(op, "float") == 0) {
    hid_t d = H5Dopen2(f, argv[3], H5P_DEFAULT);
    hsize_t n = 0;
    if (d >= 0) {
      hid_t sp = H5Dget_space(d);
      H5Sget_simple_extent_dims(sp, &n, NULL);
      H5Sclose(sp);
      H5Dclose(d);
      double *x = calloc(n + 1, sizeof *x);
      hid_t s = H5Screate_simple(1, &n, NULL);
      rc = x == NULL || H5Ldelete(f, argv[3], H5P_DEFAULT) < 0;
      hid_t nd = rc ? -1
                    : H5Dcreate2(f, argv[3], H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT,
                                 H5P_DEFAULT);
      rc = nd < 0 ||
           (n > 0 && H5Dwrite(nd, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, x) < 0);
      if (nd >= 0)
        H5Dclose(nd);
      H5Sclose(s);
      free(x);
    }
  } else if ((strcmp(op, "set") == 0 || strcmp(op, "add") == 0) && argc == 6) {
    unsigned long long idx = strtoull(argv[4], NULL, 10);
    int64_t v = 0, x = strtoll(argv[5], NULL, 10);
    rc = strcmp(op, "add") == 0 ? elem(f, argv[3], idx, &v, 0) : 0;
    v = strcmp(op, "add") == 0 ? v + x : x;
    rc = rc || elem(f, argv[3], idx, &v, 1);
  }
  H5Fclose(f);
  if (rc)
    fprintf(stderr, "graph_h5_damage: %s %s failed\n", op, argv[3]);
  return rc;
}
