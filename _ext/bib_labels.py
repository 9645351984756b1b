"""Bibliography labels that read like the citations in the text.

With ``bibtex_reference_style: author_year`` a citation reads "Torralba et al.,
2024", but pybtex's styles label the list entry "[TIF24]". The style
``author_year_labels`` (``bibtex_default_style`` in _config.yml) labels each
entry the way sphinxcontrib-bibtex cites it: the last names of the authors (or
editors; two joined by "and", three or more as the first "et al."), or the
title when there are none, then the year or "n.d."; the list is sorted by it.
"""

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle
from pybtex.style.sorting import BaseSortingStyle


def author_year_label(entry):
    persons = entry.persons.get("author") or entry.persons.get("editor") or []
    names = [" ".join(Text.from_latex(n).render_as("text") for n in p.prelast_names + p.last_names)
             for p in persons]
    if not names:
        who = Text.from_latex(entry.fields.get("title", entry.key)).render_as("text")
    elif len(names) == 1:
        who = names[0]
    elif len(names) == 2:
        who = f"{names[0]} and {names[1]}"
    else:
        who = f"{names[0]} et al."
    return f"{who}, {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabels(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        for entry in sorted_entries:
            yield author_year_label(entry)


class ByLabel(BaseSortingStyle):
    def sorting_key(self, entry):
        return author_year_label(entry).lower()


class AuthorYearLabelStyle(PlainStyle):
    default_label_style = "author_year_labels"
    default_sorting_style = "author_year_labels"


register_plugin("pybtex.style.labels", "author_year_labels", AuthorYearLabels)
register_plugin("pybtex.style.sorting", "author_year_labels", ByLabel)
register_plugin("pybtex.style.formatting", "author_year_labels", AuthorYearLabelStyle)


def setup(app):
    return {"parallel_read_safe": True, "parallel_write_safe": True}
