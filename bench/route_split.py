"""Hold out 20 % of the shared labelled messages for `manage.py route_eval`.

    .venv/bin/python bench/route_split.py [OUT_DIR] [--seed 20]

Writes raw_train.csv, raw_test.csv, tok_train.csv and tok_test.csv into OUT_DIR (default
var/route_split/, never committed). The split is by message: the tokenised file's `row_idx`
is sampled, and each raw row follows its `full_row_idx`, so no message sits on both sides.
Then, for example:

    .venv/bin/python manage.py route_eval --train var/route_split/raw_train.csv \\
        --train var/route_split/tok_train.csv --test var/route_split/raw_test.csv
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"


def _write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", nargs="?", default=str(ROOT / "var" / "route_split"))
    ap.add_argument("--seed", type=int, default=20)
    ap.add_argument("--data", default=str(DATA))
    args = ap.parse_args()
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with (data / "messages_tokenized_train.csv").open(encoding="utf-8") as f:
        tok = list(csv.DictReader(f))
    with (data / "messages_raw_train.csv").open(encoding="utf-8") as f:
        raw = list(csv.DictReader(f))
    ids = sorted({r["row_idx"] for r in tok})
    test = set(random.Random(args.seed).sample(ids, len(ids) // 5))

    def held(r: dict[str, str]) -> bool:
        return str(int(float(r["full_row_idx"]))) in test

    _write(out / "tok_train.csv", [r for r in tok if r["row_idx"] not in test], list(tok[0]))
    _write(out / "tok_test.csv", [r for r in tok if r["row_idx"] in test], list(tok[0]))
    _write(out / "raw_train.csv", [r for r in raw if not held(r)], list(raw[0]))
    _write(out / "raw_test.csv", [r for r in raw if held(r)], list(raw[0]))
    print(f"{len(test)} of {len(ids)} messages held out (seed {args.seed}) -> {out}")


if __name__ == "__main__":
    main()
