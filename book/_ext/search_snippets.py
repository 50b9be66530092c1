"""Search result snippets without raw TeX: load ``_static/search-snippets.js`` on the search page.

Sphinx's search page shows, under each result, a few lines of the result's page; it takes them from the
page's HTML, where math is still the TeX source MathJax would typeset (``\\(p\\)``). The script turns the
math into plain text before Sphinx cuts the snippet. Only the search page needs it.
"""

SCRIPT = "search-snippets.js"


def _add_to_search_page(app, pagename, templatename, context, doctree):
    if pagename == "search":
        # The builder's list, not the app's: Sphinx resets it for every page, so it lands on this one only.
        app.builder.add_js_file(SCRIPT)


def setup(app):
    app.connect("html-page-context", _add_to_search_page)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
