"""Checks and repairs made to a submission before nbgrader grades it.

Nothing here grades: it makes sure nbgrader *can* grade, and records in plain
words everything it found or changed.  The student's original file is kept
beside the repaired one (``<name>.ipynb.orig``).
"""

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

MAX_CELLS = 1000


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
    if len(data["cells"]) > MAX_CELLS:
        found.fatal = f"the notebook has {len(data['cells'])} cells; at most {MAX_CELLS} are graded"
        return found
    try:
        nb = nbformat.reads(text, as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat's errors vary by version
        found.fatal = f"the notebook is not a valid Jupyter notebook: {str(exc).splitlines()[0][:300]}"
        return found
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and not isinstance(meta, dict):
            found.fatal = "a cell's nbgrader metadata is not a dictionary: the notebook was edited by hand"
            return found
    release = nbformat.read(str(release_path), as_version=4)

    changed = _drop_duplicate_graded_cells(nb, found)
    changed |= _restore_deleted_graded_cells(nb, release, found)
    changed |= _renumber_duplicate_ids(nb, found)
    nb.metadata["kernelspec"] = release.metadata.get("kernelspec", nb.metadata.get("kernelspec", {}))
    if changed:
        backup = path.with_name(path.name + ".orig")
        if not backup.exists():
            backup.write_bytes(raw)
        nbformat.write(nb, str(path))
    return found


def _drop_duplicate_graded_cells(nb, found):
    """Keep one cell per grade id: the last copy, the student's latest answer."""
    last = {}
    for i, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid:
            last[gid] = i
    kept = []
    for i, cell in enumerate(nb.cells):
        gid = _grade_id(cell)
        if gid and last[gid] != i:
            found.notes.append(f"an older copy of cell `{gid}` was removed (grade ids must be unique; "
                               "the last copy, your latest, was kept)")
            continue
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
        restored.metadata["course_restored"] = True
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
