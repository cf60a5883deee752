#!/usr/bin/env bash
# Renames the template after your product, and optionally removes the fibonacci demo:
#   scripts/make-it-your-own.sh <slug> "<Display Name>" [--remove-demo]
#   scripts/make-it-your-own.sh notes "Notes" --remove-demo
#
# The names live in one place, package.json: "name" (the slug: compose project, logger service, image and
# install paths), and "product" (displayName for page titles, database, image). The app reads them from there
# at run time. Files that cannot read package.json (compose, the Dockerfile's labels, deploy scripts, docs)
# carry the slug, so this script rewrites it everywhere git tracks it, updates the lockfile, and fails if the
# old slug is left anywhere. Run it on a clean checkout and review `git diff` afterwards.
set -euo pipefail

usage() {
  sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//'
  echo "slug: lowercase letters, digits and dashes, starting with a letter (e.g. notes, acme-notes)"
}
die() { printf 'make-it-your-own: %s\n' "$*" >&2; exit 1; }

remove_demo=false
args=()
for arg in "$@"; do
  case $arg in
    --remove-demo) remove_demo=true ;;
    -h | --help) usage; exit 0 ;;
    -*) usage >&2; die "unknown option: $arg" ;;
    *) args+=("$arg") ;;
  esac
done
[[ ${#args[@]} -eq 2 ]] || { usage >&2; exit 2; }
slug=${args[0]}
display=${args[1]}
[[ $slug =~ ^[a-z][a-z0-9-]{0,38}[a-z0-9]$ ]] || die "slug '$slug' must be 2-40 lowercase letters, digits or dashes, starting with a letter"
[[ -n $display && $display != *$'\n'* ]] || die "the display name must be one non-empty line"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null || die "node is needed (it edits package.json)"
git rev-parse --is-inside-work-tree >/dev/null 2>&1 || die "run it inside the git checkout"

old_slug=$(node -p 'require("./package.json").name')
[[ $old_slug != "$slug" ]] || die "the product is already called '$slug'"

echo "==> renaming '$old_slug' to '$slug' (display name: $display)"
# Every tracked text file that mentions the slug (the lockfile is rewritten by node below, as JSON).
mapfile -t files < <(git grep -l -I -F -e "$old_slug" -- . ':!package-lock.json' || true)
for f in "${files[@]}"; do
  OLD="$old_slug" NEW="$slug" perl -pi -e 's/\Q$ENV{OLD}\E/$ENV{NEW}/g' "$f"
  echo "    $f"
done

# package.json: the one source of the names; package-lock.json: its two copies of the package name.
# shellcheck disable=SC2016  # the single quotes hold JavaScript, which reads the names from its environment
SLUG="$slug" DISPLAY_NAME="$display" node -e '
  const fs = require("node:fs");
  const edit = (file, change) => {
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    change(json);
    fs.writeFileSync(file, JSON.stringify(json, null, 2) + "\n");
  };
  const { SLUG, DISPLAY_NAME } = process.env;
  edit("package.json", (p) => {
    p.name = SLUG;
    p.product = { ...p.product, displayName: DISPLAY_NAME, database: SLUG.replace(/-/g, "_"), image: `${SLUG}/app` };
  });
  edit("package-lock.json", (l) => {
    l.name = SLUG;
    if (l.packages && l.packages[""]) l.packages[""].name = SLUG;
  });
'
echo "    package.json, package-lock.json"
# The compose files' default APP_DB_NAME: the database the app uses and its database user may write.
new_db=$(node -p 'require("./package.json").product.database')
# shellcheck disable=SC2016  # a literal ${APP_DB_NAME:- to search for
mapfile -t db_files < <(git grep -l -F -e '${APP_DB_NAME:-' -- 'docker-compose*.yml' 'scripts/*.yml' || true)
for f in "${db_files[@]}"; do
  DB="$new_db" perl -pi -e 's/\$\{APP_DB_NAME:-[^}]*\}/\$\{APP_DB_NAME:-$ENV{DB}\}/g' "$f"
  echo "    $f (APP_DB_NAME)"
done

if $remove_demo; then
  echo "==> removing the fibonacci demo: app/src/fibonacci/ and its line in app/src/demos.ts"
  # --ignore-unmatch: a fork that removed it already runs this again without harm.
  git rm -r -q --ignore-unmatch app/src/fibonacci nginx/snippets/demos/fibonacci.conf
  perl -ni -e 'print unless /fibonacci/i' app/src/demos.ts
  left=$(git grep -n -i -I fibonacci -- app test scripts nginx Dockerfile 'docker-compose*.yml' ':!scripts/make-it-your-own.sh' ':!test/unit/make-it-your-own.test.ts' || true)
  [[ -z $left ]] || die "the demo is still referenced:"$'\n'"$left"
fi

left=$(git grep -n -I -F -e "$old_slug" -- . || true)
[[ -z $left ]] || die "the old name is still there:"$'\n'"$left"
echo "==> done. Next: review 'git diff', then npm run typecheck && npm run lint && npm run test:unit"
echo "    The checklist in the README lists what to change by hand (image source label, your registry)."
