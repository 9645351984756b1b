"""Checks and repairs made to a submission before nbgrader grades it.

Nothing here grades: it makes sure nbgrader *can* grade, and records in plain
words everything it found or changed.  The student's original file is kept
beside the repaired one (``<name>.ipynb.orig``).
"""

import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

# Code in an answer that reaches into what grades it.
TAMPERING = [
    (re.compile(r"\b(np|numpy)(\.\w+|\[[^\]]*\])+\s*=(?!=)"), "replaces a numpy function"),
    (re.compile(r"\b(mlp|grading|check|core|guard)(\.\w+|\[[^\]]*\])+\s*=(?!=)"), "replaces part of the grader"),
    (re.compile(r"^\s*(grading|check|mlp)\s*=(?!=)", re.M), "rebinds a name the tests use"),
    (re.compile(r"\b(setattr|__setattr__|__dict__)\b"), "sets attributes behind Python's back"),
    (re.compile(r"\bsys\.(modules|setprofile|settrace)\b"), "changes the interpreter's machinery"),
    (re.compile(r"\bimportlib\b|\bbuiltins\b|__builtins__"), "manipulates imports or builtins"),
]
KERNEL_KILLERS = re.compile(r"\bos\s*\.\s*(_exit|kill|abort)\s*\(")
# The one tag that makes the grader's kernel skip a cell (nbgrader_config.py,
# c.Execute.skip_cells_with_tag); a submission may not carry it.
GRADER_SKIP_TAG = "nbgrader-never-skip"


@dataclass
class Inspection:
    """What was found in one submission; ``fatal`` means it cannot be graded."""

    notes: list = field(default_factory=list)
    fatal: str = ""


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_answer(cell):
    nb = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nb.get("solution")) and not nb.get("locked")


def inspect_and_repair(path, release_path):
    """Check the submission at ``path`` against the released notebook; repair it in place.

    Returns an ``Inspection``.  Repairs: duplicate cell ids renumbered, copies
    of a graded cell dropped (the first is kept), deleted graded cells put
    back from the release, calls that would kill the kernel turned into an
    exception.  Tampering is only reported: the checks themselves fail it.
    """
    path, found = Path(path), Inspection()
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        found.fatal = f"the file is not text (UTF-8): {exc.reason} at byte {exc.start}"
        return found
    except json.JSONDecodeError as exc:
        found.fatal = f"the file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        return found
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        found.fatal = "the file is JSON but not a notebook (no list of cells)"
        return found
    try:
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat's errors vary by version
        found.fatal = f"the notebook cannot be read: {exc}"
        return found
    release = nbformat.read(str(release_path), as_version=4)

    changed = _drop_duplicate_graded_cells(nb, found)
    changed |= _restore_deleted_graded_cells(nb, release, found)
    changed |= _renumber_duplicate_ids(nb, found)
    changed |= _disarm_kernel_killers(nb, found)
    changed |= _remove_skip_tags(nb, found)
    _report_tampering(nb, found)
    nb.metadata["kernelspec"] = release.metadata.get("kernelspec", nb.metadata.get("kernelspec", {}))
    if changed:
        backup = path.with_name(path.name + ".orig")
        if not backup.exists():
            backup.write_bytes(raw)
        nbformat.write(nb, str(path))
    return found


def _drop_duplicate_graded_cells(nb, found):
    seen, kept = set(), []
    for cell in nb.cells:
        gid = _grade_id(cell)
        if gid and gid in seen:
            found.notes.append(f"a copy of cell `{gid}` was removed (grade ids must be unique; the first was kept)")
            continue
        if gid:
            seen.add(gid)
        kept.append(cell)
    changed = len(kept) != len(nb.cells)
    nb.cells = kept
    return changed


def _restore_deleted_graded_cells(nb, release, found):
    present = {_grade_id(c) for c in nb.cells} - {None}
    changed = False
    for i, cell in enumerate(release.cells):
        gid = _grade_id(cell)
        if not gid or gid in present:
            continue
        # An answer goes back just before the next graded cell (its test); any other
        # cell just after the previous graded cell (a test after its answer).
        ids = [_grade_id(c) for c in nb.cells]
        if _is_answer(cell):
            after = next((_grade_id(c) for c in release.cells[i + 1:] if _grade_id(c) in present), None)
            at = ids.index(after) if after else len(nb.cells)
        else:
            before = next((_grade_id(c) for c in reversed(release.cells[:i]) if _grade_id(c) in present), None)
            at = ids.index(before) + 1 if before else 0
        restored = nbformat.from_dict(json.loads(json.dumps(cell)))
        restored["id"] = uuid.uuid4().hex[:8]
        nb.cells.insert(at, restored)
        present.add(gid)
        kind = "answer" if _is_answer(cell) else "test" if cell.metadata.get("nbgrader", {}).get("grade") else "locked"
        found.notes.append(f"the {kind} cell `{gid}` had been deleted; it was restored from the release")
        changed = True
    return changed


def _renumber_duplicate_ids(nb, found):
    seen, changed = set(), False
    for cell in nb.cells:
        cid = cell.get("id")
        if cid is None or cid in seen:
            cell["id"] = uuid.uuid4().hex[:8]
            if cid is not None:
                found.notes.append(f"duplicate cell id `{cid}` renumbered")
            changed = True
        seen.add(cell["id"])
    return changed


def _disarm_kernel_killers(nb, found):
    changed = False
    for cell in nb.cells:
        if cell.cell_type == "code" and KERNEL_KILLERS.search(cell.source):
            cell.source = KERNEL_KILLERS.sub(
                lambda m: f"_submission_forbidden('os.{m.group(1)}')(", cell.source
            )
            cell.source = (
                "def _submission_forbidden(name):\n"
                "    raise RuntimeError(f'{name}() would stop the grader; it is not allowed in a submission')\n"
                + cell.source
            )
            found.notes.append(f"cell `{_grade_id(cell) or cell.get('id')}` calls a function that kills the kernel; "
                               "the call was made to raise an error instead")
            changed = True
    return changed


def _remove_skip_tags(nb, found):
    changed = False
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if GRADER_SKIP_TAG in tags:
            cell.metadata["tags"] = [t for t in tags if t != GRADER_SKIP_TAG]
            found.notes.append(f"cell `{_grade_id(cell) or cell.get('id')}` carried the tag that skips "
                               "a cell when grading; the tag was removed")
            changed = True
    return changed


def _report_tampering(nb, found):
    for cell in nb.cells:
        if cell.cell_type != "code" or not _is_answer(cell):
            continue
        for pattern, what in TAMPERING:
            match = pattern.search(cell.source)
            if match:
                found.notes.append(f"answer `{_grade_id(cell)}` {what} (`{match.group(0).strip()}`): flagged for review")
                break
