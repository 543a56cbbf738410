"""Sweep built documents for money errors: the payment schedule's and cost summary's invariants.

    python bench/money.py PATH... [--extend SEED] [--show N]

Assembles every case file under PATH (folders of case folders, as `cases/` or a corpus of
`bench/corpus.py`) through the pipeline and checks, from the values the document is built from
(`LoaDocument.costs`, which the manifest's totals and the DOCX's tables print), what a finance
reviewer would (`costs.py`'s module doc says the rules):

  totals      net = the lines' values; the administrative charge = each line's value times the
              rate in force on the day it was written (none where exempt), in whole dollars;
              (8) + (9) + (10) + (11) + (12) = (13)
  sum         the schedule's rows sum exactly to the total (cents), each row's cumulative is
              the running sum, what is due with the document is its first row's (an
              Amendment's: its Amount Due with Acceptance row)
  rows        every row >= 0, in whole dollars but the last (and "Due under earlier documents")
  dates       a computed schedule: first row on the latest offer expiration date, the rest on
              the 15th of Mar/Jun/Sep/Dec after it (or on a date of the schedule in force
              before, which a writer gave), strictly increasing
  kept        what the earlier documents made due (`CostSummary.asked` of the previous
              document) is never taken back: an Amendment makes due, with its acceptance, all
              they made due by its offer expiration date; a Modification makes due, by each
              date up to the day it was written (its date, else its first row's), what they
              did (billed then: neither taken back nor raised), and after that day at least
              what was due on it
  unchanged   an Amendment that changes no cost (the same lines, values, months and charges)
              asks $0 with acceptance and by every later date makes due what the previous
              document did
  remnant     a computed schedule's last row is not a remnant: under $100 where the rows before
              it ask $10,000 or more

`--extend SEED` first adds to each case folder of PATH whose newest document is an offered
document two more: an Amendment that takes scope away (one item fewer, a line deleted, a value
lowered) or changes no cost, and a Modification after it (months moved, a value lowered), so
that chains the corpus does not write are swept too. The exit status is 1 if any check fails.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from loagen.case.loading import CaseFile
from loagen.document.assembly import LoaDocument, assemble
from loagen.document.costs import ZERO, asked_by, made_due, rate_on, whole
from loagen.pipeline import Pipeline
from loagen.reference import load_reference

REMNANT = Decimal(100)
LARGE = Decimal(10_000)


def check(document: LoaDocument) -> list[tuple[str, str]]:
    """The invariants `document` breaks: (name, what is wrong)."""
    out: list[tuple[str, str]] = []
    c = document.costs
    ref = load_reference()
    total = c.total_estimated_cost
    # totals
    net = sum((ln.total for ln in document.case.lines), ZERO)
    if c.net_estimated_cost != net:
        out.append(("totals", f"net {c.net_estimated_cost} != lines {net}"))
    written = line_written(document)
    for lc in c.lines:
        if lc.surcharge_date != written[lc.number]:
            out.append(("totals", f"line {lc.number}: rate of {lc.surcharge_date}, written "
                                  f"{written[lc.number]}"))  # fmt: skip
        rate = ZERO if lc.exemption else rate_on(lc.surcharge_date, ref)
        if lc.surcharge_rate != rate or lc.surcharge != whole(lc.total * rate):
            out.append(
                ("totals", f"line {lc.number}: surcharge {lc.surcharge} at {lc.surcharge_rate}")
            )
    if c.administrative_charge != sum((lc.surcharge for lc in c.lines), ZERO):
        out.append(("totals", "administrative charge != the lines' surcharges"))
    parts = (
        c.net_estimated_cost + c.packing_crating_handling + c.administrative_charge
        + c.transportation + c.other
    )  # fmt: skip
    if parts != total:
        out.append(("totals", f"(8)..(12) = {parts} != (13) {total}"))
    if c.deposit_surcharge > c.administrative_charge:
        out.append(
            ("totals", f"deposit carries {c.deposit_surcharge} of {c.administrative_charge}")
        )
    rows = c.schedule
    if not rows:
        previous = assemble(document.files[:-1]).costs if len(document.files) > 1 else None
        due = total
        if document.kind == "Amendment" and previous is not None:
            due -= min(asked_by(previous.asked, document.latest_oed), total)
        if c.schedule_source == "none" and c.initial_deposit != due:
            out.append(("sum", f"no schedule: deposit {c.initial_deposit}, {due} due"))
        return out
    # sum
    running = ZERO
    for r in rows:
        running += r.amount
        if r.cumulative != running:
            out.append(("sum", f"{r.label} {r.date}: cumulative {r.cumulative} != {running}"))
            break
    if running != total:
        out.append(("sum", f"rows sum to {running}, total {total}"))
    first = next(r for r in rows if not r.earlier)
    if c.initial_deposit != first.amount:
        out.append(("sum", f"deposit {c.initial_deposit} != first row {first.amount}"))
    # rows
    for i, r in enumerate(rows):
        if r.amount < 0:
            out.append(("rows", f"{r.label} {r.date}: {r.amount} < 0"))
        if i < len(rows) - 1 and not r.earlier and r.amount != whole(r.amount):
            out.append(("rows", f"{r.label} {r.date}: {r.amount} not whole dollars"))
    if c.schedule_source != "computed":
        return out
    # dates
    dated = [r for r in rows if not r.earlier and not r.as_billed]
    if dated[0].date != document.latest_oed:
        out.append(
            ("dates", f"first row {dated[0].date} != offer expiration {document.latest_oed}")
        )
    for a, b in zip(dated, dated[1:], strict=False):
        if b.date is None or a.date is None or b.date <= a.date:
            out.append(("dates", f"{a.date} then {b.date}"))
    previous = assemble(document.files[:-1]) if len(document.files) > 1 else None
    kept = {d for d, _ in previous.costs.asked} if previous is not None else set()
    for r in dated[1:]:  # quarterly, or a date of the schedule in force before (one given)
        if r.date is not None and (r.date.day != 15 or r.date.month % 3) and r.date not in kept:
            out.append(("dates", f"{r.date} not a quarterly date"))
    # remnant
    if (
        len(dated) >= 3
        and dated[-1].amount < REMNANT
        and max(r.amount for r in dated[:-1]) >= LARGE
    ):
        out.append(("remnant", f"last row {dated[-1].date}: ${dated[-1].amount}"))
    if previous is None:
        return out
    asked = previous.costs.asked
    if not asked:
        return out
    mine = made_due(rows, total, first_asked=True)
    days = sorted({d for d, _ in (*asked, *mine) if d is not None})
    kind = document.kind
    # kept
    if kind == "Amendment":
        oed = document.latest_oed
        want, got = min(asked_by(asked, oed), total), asked_by(mine, None)
        if got < want:
            out.append(("kept", f"with acceptance {got} < {want} made due by {oed}"))
    elif kind == "Modification":
        written = document.case.document.date or dated[0].date
        for d in [None, *days]:
            # with acceptance (None) and by each date up to `written`, what they made due by
            # then; by a later date, at least what was due on `written`
            # (exactly by a date up to `written`: billed then, neither taken back nor raised)
            billed = d is not None and written is not None and d <= written
            until = d if d is None or written is None or d <= written else written
            want, got = min(asked_by(asked, until), total), asked_by(mine, d)
            if got < want or (billed and got > want):
                out.append(("kept", f"by {d}: {got} {'<' if got < want else '>'} {want} "
                                    f"(written {written})"))  # fmt: skip
                break
    # unchanged
    if (
        kind == "Amendment"
        and previous.costs.schedule_source == "computed"
        and same_costs(document.files[-2].case, document.case)
    ):
        oed = document.latest_oed
        if c.initial_deposit:
            out.append(("unchanged", f"asks {c.initial_deposit} with acceptance"))
        for d in days:
            if oed is not None and d > oed and asked_by(mine, d) != asked_by(asked, d):
                out.append(("unchanged", f"by {d}: {asked_by(mine, d)} != {asked_by(asked, d)}"))
                break
    return out


def line_written(document: LoaDocument) -> dict[str, date | None]:
    """The date each line of `document` was written, read from its chain (module doc): the
    Basic's implementation date (as the newest document gives it), else its offer expiration
    date, for the lines of the Basic; the offer expiration date of the document that added a
    later line (a Modification's: the latest before it)."""
    chain = [f.case for f in document.files]
    implemented = next(
        (c.document.implementation_date for c in reversed(chain) if c.document.implementation_date),
        None,
    )
    written: dict[str, date | None] = {}
    latest = None
    for i, case in enumerate(chain):
        latest = case.document.offer_expiration_date or latest
        day = (implemented or chain[0].document.offer_expiration_date) if i == 0 else latest
        numbers = {ln.number for ln in case.lines}
        written = {n: d for n, d in written.items() if n in numbers}
        for n in numbers - written.keys():
            written[n] = day
    return written


def same_costs(before, after) -> bool:  # noqa: ANN001
    """Whether two snapshots cost the same: the same lines, values, months, charges."""

    def key(case):  # noqa: ANN001, ANN202
        lines = tuple(
            (ln.number, ln.total, ln.month_range, ln.nonrecurring_cost, ln.scml)
            for ln in case.lines
        )
        return lines, case.accessorial, tuple(case.terms_of_sale), case.funding, case.category

    return key(before) == key(after)


_COUNT_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve")  # fmt: skip


def _recounted(note: str, quantity: int) -> str:
    """`note` ("This line provides for two ... systems ...", as `bench/corpus.py` writes a
    major defense equipment line's) stating `quantity` instead (other notes state no count)."""
    said = _COUNT_WORDS[quantity - 1] if 1 <= quantity <= len(_COUNT_WORDS) else str(quantity)
    new = re.sub(r"^(This line provides for )(\w+)", lambda m: m.group(1) + said, note, count=1)
    if quantity == 1:
        new = new.replace(" systems in ", " system in ", 1)
    return new


# -- chains the corpus does not write -----------------------------------------------------------


def extend(root: Path, seed: int) -> int:
    """Add an Amendment that takes scope away (or changes no cost) and a Modification after it
    to each case folder under `root` whose newest document is JSON; the number of files."""
    rng = random.Random(seed)
    written = 0
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        files = {p.name: json.loads(p.read_text()) for p in folder.glob("*.json")}
        if not files:
            continue
        named = {data["document"].get("previous") for data in files.values()}
        newest = [n for n in sorted(files) if n not in named]
        if len(newest) != 1:
            continue
        name, data = newest[0], files[newest[0]]
        oeds = [d["document"].get("offer_expiration_date") for d in files.values()]
        latest = max(date.fromisoformat(o) for o in oeds if o)
        number = 1 + sum(1 for n in files if n.startswith("amendment-"))
        amendment = json.loads(json.dumps(data))
        doc = amendment["document"]
        for key in ("date", "number", "previous", "accepted_date", "offer_date"):
            doc.pop(key, None)
        implemented = doc.get("implementation_date") or (latest + timedelta(days=20)).isoformat()
        doc.update(
            kind="Amendment", number=number, previous=name, implementation_date=implemented,
            offer_expiration_date=(latest + timedelta(days=rng.randint(90, 200))).isoformat(),
            reason="to meet the Purchaser's revised requirement",
        )  # fmt: skip
        lines = amendment["lines"]
        what = rng.choice(("fewer", "fewer", "delete", "lower", "none"))
        ea = [
            ln for ln in lines
            if ln.get("unit_of_issue") == "EA" and ln.get("quantity", 0) > 1
            and (ln.get("nonrecurring_cost") or {}).get("amount", 0)
            <= (ln["quantity"] - 1) * ln["unit_cost"]
        ]  # fmt: skip
        references = amendment.setdefault("purchaser_references", [])
        references.append({"reference": f"BN/MOD/{rng.randint(1000, 9999)}",
                           "date": (latest - timedelta(days=30)).isoformat()})  # fmt: skip
        if what == "fewer" and ea:
            line = rng.choice(ea)
            line["quantity"] -= 1
            if "line_note" in line:  # as a careful writer does: the note's count follows
                line["line_note"] = _recounted(line["line_note"], line["quantity"])
            doc["purpose"] = "decreases the quantity of one line"
        elif what == "delete" and len(lines) > 2:
            lines.remove(rng.choice(lines[1:]))
            doc["purpose"] = "deletes a line no longer required"
        elif what == "none":  # a line's description corrected: no cost changes
            lines[0]["description"] += " (REVISED)"
            doc["purpose"] = "corrects the description of Line 001"
        else:
            line = rng.choice(priced(lines) or lines)
            line["unit_cost"] = int(line["unit_cost"] * 0.8) // 1000 * 1000
            doc["purpose"] = "decreases the value of one line"
        a_name = f"amendment-{number}.json"
        (folder / a_name).write_text(json.dumps(amendment, indent=2) + "\n")
        mod = json.loads(json.dumps(amendment))
        mdoc = mod["document"]
        mod["purchaser_references"] = []  # 'per U.S. Government Review' (QC-REFS-MOD-COPIED)
        mdoc.pop("offer_expiration_date", None)
        mdoc.pop("reason", None)
        m_number = 1 + sum(1 for n in files if n.startswith("modification-"))
        mdoc.update(kind="Modification", number=m_number, previous=a_name,
                    purpose="extends the Months of lines delayed by contract slippage",
                    reason="contract slippage")  # fmt: skip
        oed = date.fromisoformat(doc["offer_expiration_date"])
        if rng.random() < 0.6:
            mdoc["date"] = (oed + timedelta(days=rng.randint(1, 500))).isoformat()
        for line in mod["lines"]:  # in scope (QC-MOD-SCOPE): no service runs longer
            months = line.get("months")
            materiel = line.get("kind") in ("materiel", "publications")
            if materiel and months and "-" in months and rng.random() < 0.3:
                start, end = (int(x) for x in months.split("-"))
                line["months"] = f"{start + 3}-{end + 6}"
            elif line in priced(mod["lines"]) and rng.random() < 0.1:
                line["unit_cost"] = int(line["unit_cost"] * 0.9) // 1000 * 1000
        (folder / f"modification-{m_number}.json").write_text(json.dumps(mod, indent=2) + "\n")
        written += 2
    return written


def priced(lines: list[dict]) -> list[dict]:
    """The lines whose value can be lowered and stay above $0 and above their nonrecurring
    cost (QC-ZERO-NOT-DELETED, QC-NC-LINE-VALUE)."""
    return [
        ln for ln in lines if ln.get("unit_cost", 0) >= 10_000 and not ln.get("nonrecurring_cost")
    ]


def sweep(paths: list[Path]) -> Iterator[tuple[Path, list[tuple[str, str]] | None]]:
    """Each case file under `paths` and the invariants its document breaks (None: the file is
    not a case file, or its chain does not load; said on stderr)."""
    pipeline = Pipeline.discover()
    for path in case_files(paths):
        try:
            files: tuple[CaseFile, ...] = pipeline.load(path)
        except Exception as error:  # noqa: BLE001 - a file that is not a case: counted, not swept
            print(f"not read: {path}: {str(error).splitlines()[0]}", file=sys.stderr)
            yield path, None
            continue
        yield path, check(assemble(files))


def case_files(paths: list[Path]) -> list[Path]:
    out = []
    for path in paths:
        if path.is_file():
            out.append(path)
        else:
            out += sorted(
                p for p in path.rglob("*") if p.suffix in (".json", ".yaml", ".yml") and p.is_file()
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--extend", type=int, default=None, metavar="SEED")
    parser.add_argument("--show", type=int, default=5, help="failures shown per invariant")
    args = parser.parse_args()
    if args.extend is not None:
        for root in args.paths:
            print(f"added {extend(root, args.extend)} case files under {root}")
    counts: Counter[str] = Counter()
    shown: Counter[str] = Counter()
    swept = unread = 0
    for path, found in sweep(args.paths):
        if found is None:
            unread += 1
            continue
        swept += 1
        for name in {name for name, _ in found}:
            counts[name] += 1
        for name, message in found:
            if shown[name] < args.show:
                shown[name] += 1
                print(f"{name}: {path}: {message}")
    print(f"swept {swept} documents ({unread} files not read)")
    for name in ("totals", "sum", "rows", "dates", "kept", "unchanged", "remnant"):
        print(f"  {name:10} {counts[name]} documents fail")
    sys.exit(1 if counts else 0)


if __name__ == "__main__":
    main()
