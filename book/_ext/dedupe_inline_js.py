"""Drop duplicated inline <script> blocks from every page.

Sphinx 7.4's HTML builder adds each extension's inline script twice when the extension registers it
after the builder started (once as ``add_js_file(None, body=...)``, once re-read from the registry as
``add_js_file('', body=...)``; the two do not compare equal). The second copy of sphinx-thebe's
``const THEBE_JS_URL = ...`` then throws "Identifier 'THEBE_JS_URL' has already been declared" in the
browser console. This hook keeps the first copy of each script; it can go once Sphinx >= 8 is usable
with Jupyter Book 1.
"""


def _dedupe(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = (getattr(script, "filename", None) or "", str(getattr(script, "attributes", "")))
        if key in seen:
            continue
        seen.add(key)
        unique.append(script)
    scripts[:] = unique


def setup(app):
    app.connect("html-page-context", _dedupe, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
