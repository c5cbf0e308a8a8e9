#!/usr/bin/env bash
# Layers only point down: kernels <- engine <- data <- nas <- apps (bench, tests on top).
# Fails, naming file and line, when a source file includes a header of a layer above it.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
status=0
check() {  # check <layer> <allowed layers...>
  local layer=$1; shift
  local allowed="$*"
  [ -d "$layer" ] || return 0
  while IFS= read -r hit; do
    file=${hit%%:*}; rest=${hit#*:}; line=${rest%%:*}; text=${rest#*:}
    target=$(sed -E 's/.*#include *"([^/"]+)\/.*/\1/' <<<"$text")
    case " $allowed " in
      *" $target "*) ;;
      *) echo "layering: $file:$line includes \"$target/...\" but $layer/ may only include: $allowed"; status=1 ;;
    esac
  done < <(grep -rnE '^\s*#\s*include\s*"[^/"]+/' "$layer" --include='*.h' --include='*.cpp' --include='*.cu' --include='*.cuh' || true)
}
check kernels kernels
check engine  engine kernels
check data    data engine kernels
check nas     nas data engine kernels
check apps    apps nas data engine kernels
if [ $status -eq 0 ]; then echo "layering: ok"; fi
exit $status
