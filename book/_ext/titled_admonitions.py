"""Let the named admonitions take a title: ``:::{warning} Title`` renders "Title", not "Warning".

Docutils' ``note``, ``warning``, ``tip`` … directives take no argument, so MyST reads the text after the
directive name as the first line of the body: the box shows the heading "Warning" with the intended title
run into its first sentence. The usual MyST spelling of a titled warning is ``:::{admonition} Title`` with
``:class: warning``; writing ``:::{warning} Title`` is the more natural form, and an author who uses it
should get what they meant. So this extension re-registers those directives with one optional argument:

- no argument: the standard box, with the kind as its heading (``:::{note}`` is unchanged);
- an argument in a MyST document: a generic admonition titled by the argument, carrying the kind as a
  class, which is exactly what ``:::{admonition} Title`` + ``:class: warning`` builds (same colours and
  icon, same HTML);
- an argument in reStructuredText (docstrings rendered by autodoc, where napoleon writes
  ``.. warning:: text``): docutils' meaning, the text is the first line of the body.
"""

from __future__ import annotations

from docutils import nodes
from docutils.parsers.rst.directives.admonitions import BaseAdmonition
from docutils.statemachine import StringList

# The admonitions docutils defines with a fixed heading (``admonition`` itself already takes a title).
KINDS = {
    "attention": nodes.attention,
    "caution": nodes.caution,
    "danger": nodes.danger,
    "error": nodes.error,
    "hint": nodes.hint,
    "important": nodes.important,
    "note": nodes.note,
    "tip": nodes.tip,
    "warning": nodes.warning,
}


def _is_myst(state) -> bool:
    """True when the directive is being parsed by MyST (a notebook or a MyST Markdown page)."""
    try:
        from myst_parser.mocking import MockState
    except ImportError:  # MyST not installed: every document is reStructuredText
        return False
    return isinstance(state, MockState)


class TitledAdmonition(BaseAdmonition):
    """A named admonition (``note``, ``warning`` …) whose optional argument is its title in MyST."""

    optional_arguments = 1
    final_argument_whitespace = True
    kind = ""  # set per registered subclass

    def run(self):
        if not self.arguments:
            return super().run()
        title_text = self.arguments[0]
        if not _is_myst(self.state):
            # reStructuredText: the text after ``::`` belongs to the body, as in docutils.
            lines = title_text.splitlines()
            separator = [""] if self.content else []
            self.content = StringList(lines + separator) + self.content
            self.arguments = []
            return super().run()
        self.assert_has_content()
        admonition = nodes.admonition("\n".join(self.content))
        admonition["classes"] += [self.kind, "admonition-" + nodes.make_id(title_text)]
        admonition["classes"] += self.options.get("class", [])
        self.add_name(admonition)
        admonition.source, admonition.line = self.state_machine.get_source_and_line(self.lineno)
        title_nodes, messages = self.state.inline_text(title_text, self.lineno)
        title = nodes.title(title_text, "", *title_nodes)
        title.source, title.line = admonition.source, admonition.line
        admonition += title
        admonition += messages
        self.state.nested_parse(self.content, self.content_offset, admonition)
        return [admonition]


def setup(app):
    for kind, node_class in KINDS.items():
        directive = type(f"Titled{kind.title()}", (TitledAdmonition,),
                         {"node_class": node_class, "kind": kind})
        app.add_directive(kind, directive, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
