# The HDF5 writer gives the same file content at 1, 2, 3 and 4 ranks: test_h5 writes
# (and checks) its file at each rank count, then the h5dump outputs must be identical.
source "$(dirname "$0")/lib.sh"

: "${ARCOS_TESTS_BIN:?run through ctest}"
command -v h5dump >/dev/null || { echo "h5dump not installed (hdf5-tools)"; exit 77; }

for np in 1 2 3 4; do
  out="$ARCOS_TMP/h5_$np.h5"
  log="$ARCOS_TMP/h5_$np.log"
  # The error cases print HDF5 error stacks on purpose; keep them out of the way.
  if ! mpi "$np" "$ARCOS_TESTS_BIN/test_h5" "$out" >"$log" 2>&1; then
    grep -v '^ \|^HDF5-DIAG\|^arcos h5\|^, name' "$log" | tail -40 >&2
    fail "test_h5 on $np ranks"
  fi
  [ -s "$out" ] || fail "test_h5 on $np ranks wrote no $out"
  # Everything but the first line, which names the file.
  h5dump "$out" | tail -n +2 >"$ARCOS_TMP/h5_$np.dump"
done

for np in 2 3 4; do
  assert_same_file "$ARCOS_TMP/h5_$np.dump" "$ARCOS_TMP/h5_1.dump" "h5dump at $np ranks vs 1 rank"
done

# The layout a reader relies on (docs/hdf5.md).
h5dump -H "$ARCOS_TMP/h5_4.h5" >"$ARCOS_TMP/h5_4.header"
for group in evidence small empty; do
  for ds in u8 u32 u64 i64 f64 severity path_chars path_offset path_length; do
    h5dump -H -d "/$group/$ds" "$ARCOS_TMP/h5_4.h5" >/dev/null 2>&1 || fail "no dataset /$group/$ds"
  done
done
n=$(grep -c 'DATASET "path_chars"' "$ARCOS_TMP/h5_4.header")
assert_eq "$n" 3 "string columns in h5dump -H"
h5dump -H -d /evidence/u64 "$ARCOS_TMP/h5_4.h5" | grep -c 'SIMPLE { ( 3000 ) / ( 3000 ) }' >/dev/null ||
  fail "/evidence/u64 is not 3000 rows"
h5dump -H -d /empty/path_chars "$ARCOS_TMP/h5_4.h5" | grep -c 'SIMPLE { ( 0 ) / ( 0 ) }' >/dev/null ||
  fail "/empty/path_chars is not empty"
h5dump -H -d /evidence/severity "$ARCOS_TMP/h5_4.h5" | grep -c '"critical" *3;' >/dev/null ||
  fail "/evidence/severity is not the severity enum"
h5dump -H -d /evidence/path_chars "$ARCOS_TMP/h5_4.h5" | grep -c 'H5T_STD_U8LE' >/dev/null ||
  fail "/evidence/path_chars is not bytes"
h5dump -a /tool "$ARCOS_TMP/h5_4.h5" | grep -c '"arcos-scale test"' >/dev/null || fail "attribute /tool"
echo "h5: identical content at 1-4 ranks"
