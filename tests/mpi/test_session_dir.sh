# Every test has its own TMPDIR, and Open MPI puts its session directory there, not in
# /tmp, so mpiruns of tests running at once (ctest -j, two builds on one machine) never
# share /tmp/ompi.* (issue #13 k: "mkdir /tmp/ompi.vm.0: File exists").
source "$(dirname "$0")/lib.sh"
case $TMPDIR in
  "$ARCOS_TMP"/*) ;;
  *) fail "TMPDIR=$TMPDIR is not inside the test's own directory $ARCOS_TMP" ;;
esac
# While a job runs, its session directory exists: a rank lists it.
out=$(mpi 2 bash -c 'ls -d "$TMPDIR"/ompi.* 2>/dev/null || ls -d "$TMPDIR"/*/ompi.* 2>/dev/null || true')
[ -n "$out" ] || fail "no Open MPI session directory under TMPDIR=$TMPDIR during the job"
echo "session directories: $(echo "$out" | sort -u | tr '\n' ' ')"
