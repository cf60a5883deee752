#!/usr/bin/env bash
# Renames the template after your product, optionally removes the fibonacci demo, and retakes the README's
# screenshots (npm run screenshots: Docker and Chromium; skipped with --no-screenshots or without Docker):
#   scripts/make-it-your-own.sh <slug> "<Display Name>" [--remove-demo] [--no-screenshots]
#   scripts/make-it-your-own.sh notes "Notes" --remove-demo
#
# The names live in one place, package.json: "name" (the slug: compose project, logger service, image and
# install paths), and "product" (displayName for page titles, database, image). The app reads them from there
# at run time. Files that cannot read package.json (compose, the Dockerfile's labels, deploy scripts, docs)
# carry the slug, so this script rewrites it as a whole name (never inside a longer word) in the files outside
# app/ and test/ (code reads package.json), updates the lockfile, formats what it changed, and fails if the
# old slug is left. Running it again with the same names changes nothing. Review `git diff` afterwards.
set -euo pipefail

usage() {
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  echo "slug: lowercase letters, digits and dashes, starting with a letter (e.g. notes, acme-notes)"
}
die() { printf 'make-it-your-own: %s\n' "$*" >&2; exit 1; }

remove_demo=false
screenshots=true
args=()
for arg in "$@"; do
  case $arg in
    --remove-demo) remove_demo=true ;;
    --no-screenshots) screenshots=false ;;
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
changed=()

if [[ $old_slug == "$slug" ]]; then
  echo "==> already called '$slug': no name to replace"
else
  echo "==> renaming '$old_slug' to '$slug' (display name: $display)"
fi
# The tracked text files that hold the slug as a whole name: not app/ or test/ (the code reads package.json,
# and a slug that is also a word there, like a resource's name, must stay), not CI's recorded data.
# whole_name: the lines of its input that hold OLD as a whole name (perl: git grep -P is not in every git).
# shellcheck disable=SC2016  # perl code, which reads the name from its environment
whole_name() { OLD="$old_slug" perl -ne 'print if /(?<![A-Za-z0-9])\Q$ENV{OLD}\E(?![A-Za-z0-9])/'; }
outside_code=(-- . ':!package-lock.json' ':!app' ':!test' ':!.ci')
mapfile -t files < <(git grep -l -I -F -e "$old_slug" "${outside_code[@]}" || true)
[[ $old_slug == "$slug" ]] && files=()
for f in "${files[@]}"; do
  [[ -n $(whole_name <"$f") ]] || continue
  # shellcheck disable=SC2016  # perl code, as above
  OLD="$old_slug" NEW="$slug" perl -pi -e 's/(?<![A-Za-z0-9])\Q$ENV{OLD}\E(?![A-Za-z0-9])/$ENV{NEW}/g' "$f"
  changed+=("$f")
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
  echo "==> removing the fibonacci demo: app/src/fibonacci/, its nginx snippet, and where the docs name it"
  # --ignore-unmatch: a fork that removed it already runs this again without harm.
  git rm -r -q --ignore-unmatch app/src/fibonacci nginx/snippets/demos/fibonacci.conf
  # Its line in demos.ts and the README's lines about it (a table row, a checklist item of two lines).
  perl -ni -e 'print unless /fibonacci/i' app/src/demos.ts README.md
  perl -pi -e 's/, `fibonacci\/`//' CONTRIBUTING.md
  changed+=(README.md CONTRIBUTING.md)
  left=$(git grep -n -i -I fibonacci -- app test scripts nginx monitoring docs Dockerfile 'docker-compose*.yml' \
    README.md CONTRIBUTING.md jest.config.js ':!scripts/make-it-your-own.sh' ':!test/unit/make-it-your-own.test.ts' || true)
  [[ -z $left ]] || die "the demo is still referenced:"$'\n'"$left"
fi

# Markdown tables realign when a name changes length: let prettier (the project's formatter) redo them.
mapfile -t docs < <(printf '%s\n' ${changed[@]+"${changed[@]}"} | grep -E '\.(md|json|ya?ml)$' | sort -u)
if [[ ${#docs[@]} -gt 0 && -x node_modules/.bin/prettier ]]; then
  node_modules/.bin/prettier --log-level warn --write "${docs[@]}"
elif [[ ${#docs[@]} -gt 0 ]]; then
  echo "    (no node_modules: run 'npm ci && npm run format' to realign the tables of ${docs[*]})"
fi

# Occurrences inside the new name (a new slug that extends the old one) are not leftovers.
# shellcheck disable=SC2016  # perl code, which reads the name from its environment
left=$(git grep -n -I -F -e "$old_slug" "${outside_code[@]}" | NEW="$slug" perl -pe 's/\Q$ENV{NEW}\E//g' | whole_name || true)
[[ $old_slug == "$slug" || -z $left ]] || die "the old name is still there:"$'\n'"$left"
if $screenshots && docker info >/dev/null 2>&1; then
  echo "==> retaking the README's screenshots with the new name (npm run screenshots)"
  npm run -s screenshots || die "the browser tests failed: the screenshots in docs/screenshots/ may be partly new"
else
  echo "==> screenshots not retaken: run 'npm run screenshots' (Docker and Chromium) to show the new name"
fi
echo "==> done. Next: review 'git diff', then npm run typecheck && npm run lint && npm run test:unit"
echo "    The checklist in the README lists what to change by hand (image source label, your registry)."
