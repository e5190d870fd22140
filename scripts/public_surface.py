#!/usr/bin/env python3
"""Counts oauth-compat's public API from rustdoc JSON and lists names two public items share.

    cargo +nightly rustdoc -p oauth-compat --all-features --lib -- -Z unstable-options --output-format json
    python3 scripts/public_surface.py target/doc/oauth_compat.json

Walks from the crate root through public modules and public re-exports (what a user can name),
and counts modules, types (struct/enum/trait/type alias), free functions, the public inherent
methods of those types, constants/statics and macros. Re-exports of other crates (reqwest,
redis, sqlx) are not counted. Nothing else reads rustdoc's JSON, so this is written here."""
import json, sys, collections
doc = json.load(open(sys.argv[1]))
index = doc["index"]
seen_items = {}          # id -> (kind, exposed name, path)
modules = 0
def kind_of(item):
    return next(iter(item["inner"])) if isinstance(item["inner"], dict) else item["inner"]
def walk(mod_id, path):
    global modules
    modules += 1
    for cid in index[str(mod_id)]["inner"]["module"]["items"]:
        item = index.get(str(cid))
        if item is None or item["visibility"] != "public":
            continue
        k = kind_of(item)
        if k == "use":
            use = item["inner"]["use"]
            tid = use.get("id")
            target = index.get(str(tid)) if tid is not None else None
            if target is None:
                continue  # re-export of another crate (reqwest, redis, macros crate)
            if use.get("is_glob"):
                if kind_of(target) == "module":
                    walk(tid, path)  # glob: its items appear here
                continue
            add(tid, target, use["name"], path)
        else:
            add(cid, item, item["name"], path)
def add(id_, item, name, path):
    k = kind_of(item)
    full = path + [name]
    if k == "module":
        if str(id_) in seen_items:
            return
        seen_items[str(id_)] = ("module", name, "::".join(full))
        walk(id_, full)
        return
    if str(id_) not in seen_items:
        seen_items[str(id_)] = (k, name, "::".join(full))
walk(doc["root"], ["oauth_compat"])
kinds = collections.Counter(k for k, _, _ in seen_items.values() if k != "module")
methods = 0
for id_, (k, _, _) in list(seen_items.items()):
    if k in ("struct", "enum", "union"):
        for impl_id in index[id_]["inner"][k].get("impls", []):
            impl = index.get(str(impl_id))
            if not impl or impl["inner"]["impl"].get("trait") is not None:
                continue
            for m in impl["inner"]["impl"]["items"]:
                mi = index.get(str(m))
                if mi and mi["visibility"] == "public" and kind_of(mi) == "function":
                    methods += 1
types = sum(kinds[k] for k in ("struct", "enum", "trait", "type_alias", "union"))
print(f"public modules {modules}; types {types} (struct {kinds['struct']}, enum {kinds['enum']}, trait {kinds['trait']}, type alias {kinds['type_alias']}); free functions {kinds['function']}; inherent methods {methods}; constants/statics {kinds['constant'] + kinds['static']}; macros {kinds['macro'] + kinds['proc_macro']}")
print(f"public functions incl. methods: {kinds['function'] + methods}")
names = collections.defaultdict(set)
for id_, (k, name, path) in seen_items.items():
    if k != "module":
        names[name].add(path)
dups = {n: ps for n, ps in names.items() if len(ps) > 1}
print(f"names shared by two or more public items: {len(dups)}")
for n, ps in sorted(dups.items()):
    print(f"  {n}: {', '.join(sorted(ps))}")
