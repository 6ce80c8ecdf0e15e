# Rich outputs: display frames for plots (matplotlib figures as PNG), tables (pandas as HTML),
# objects with _repr_*_ methods and a block's final expression; print(df); the `pymd` module,
# whose helpers (pymd_helpers) are compiled the first time one is looked up.
#
# Importing this module only defines things; install() patches builtins, sys.meta_path and
# sys.modules.
import sys
import builtins

from pymd_io import emit_output, flush_streams


def emit(mime, data):
    """One display output, after what the streams hold so that the order of production is kept."""
    flush_streams()
    emit_output("display", data, mime)


def b64(raw):
    import binascii
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def escape_html(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def figure_png(fig):
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def show_figures(close=True):
    """Emits every open pyplot figure that has axes, then closes them all."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    try:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if fig.axes:
                emit("image/png", b64(figure_png(fig)))
    finally:
        if close:
            plt.close("all")


def is_pandas(obj, names):
    t = type(obj)
    return t.__module__.startswith("pandas") and t.__name__ in names


def table_html(df):
    return df.to_html(classes="pymd-table", border=1)


def _display_value(obj):
    """Shows a value the way a notebook would, for the kinds PyMD renders; others are ignored."""
    if obj is None:
        return
    if is_pandas(obj, ("DataFrame", "Styler")):
        emit("text/html", obj.to_html() if type(obj).__name__ == "Styler" else table_html(obj))
    elif is_pandas(obj, ("Series",)):
        emit("text/html", table_html(obj.to_frame()))
    elif type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig"):
        emit("image/png", b64(figure_png(obj)))


def _is_matplotlib_artist(obj):
    """What pyplot calls return (a Line2D, a list of them, a Text): noise next to the figure itself."""
    if type(obj).__module__.startswith("matplotlib"):
        return not hasattr(obj, "savefig")
    return isinstance(obj, (list, tuple)) and len(obj) > 0 and all(type(o).__module__.startswith("matplotlib") for o in obj)


class Shown(str):
    """What a pymd helper returns: the text it already showed, so a final expression does not show it twice."""


def latex_markdown(latex):
    """A `_repr_latex_` answer as Markdown math: `$…$` and `$$…$$` as they are, anything else as display math."""
    t = latex.strip()
    if t.startswith("$"):
        return t
    return "$$\n%s\n$$" % t


def repr_markdown(text):
    """A plain repr as Markdown: in a fence longer than any backtick run in it."""
    longest = max([len(m) for m in __import__("re").findall("`+", text)] or [0])
    fence = "`" * max(3, longest + 1)
    return "%soutput\n%s\n%s" % (fence, text, fence)


def display_result(obj):
    """A block's final bare expression, as Jupyter shows it: rich reprs first, else repr()."""
    if obj is None or isinstance(obj, Shown) or _is_matplotlib_artist(obj):
        return
    if is_pandas(obj, ("DataFrame", "Styler", "Series")) or (type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig")):
        _display_value(obj)
        return
    for attr, mime in (("_repr_html_", "text/html"), ("_repr_markdown_", "text/markdown")):
        f = getattr(obj, attr, None)
        if callable(f) and not isinstance(obj, type):
            r = f()
            if isinstance(r, str) and r:
                emit(mime, r)
                return
    f = getattr(obj, "_repr_latex_", None)
    if callable(f) and not isinstance(obj, type):
        r = f()
        if isinstance(r, str) and r.strip():
            emit("text/markdown", latex_markdown(r))
            return
    f = getattr(obj, "_repr_png_", None)
    if callable(f) and not isinstance(obj, type):
        r = f()
        if isinstance(r, bytes) and r:
            emit("image/png", b64(r))
            return
    emit("text/markdown", repr_markdown(repr(obj)))


# builtins.print as it was before install() replaced it
_builtin_print = builtins.print


def _print(*args, **kwargs):
    """print(df) or print(series) alone shows the table, as a notebook would; anything else prints."""
    if len(args) == 1 and kwargs.get("file") in (None, sys.stdout) and is_pandas(args[0], ("DataFrame", "Series")):
        if kwargs.get("flush"):
            flush_streams()
        _display_value(args[0])
        return
    _builtin_print(*args, **kwargs)


def _patch_pyplot(plt):
    def show(*args, **kwargs):
        show_figures()

    plt.show = show
    try:
        import matplotlib.figure as mfig

        def fig_show(self, *args, **kwargs):
            emit("image/png", b64(figure_png(self)))
            plt.close(self)

        mfig.Figure.show = fig_show
    except Exception:
        pass


class _PyplotHook:
    """Meta-path finder that patches matplotlib.pyplot right after it is first executed."""

    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib.pyplot":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


class _PatchingLoader:
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _patch_pyplot(module)

    def __getattr__(self, name):
        return getattr(self._inner, name)


class _LazyPymd(type(sys)):
    """The `pymd` module; its helpers are compiled the first time one is looked up."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if "h1" not in self.__dict__:
            import pymd_helpers
            pymd_helpers.fill(self)
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError("module 'pymd' has no attribute %r" % name) from None


pymd = _LazyPymd("pymd")


def _display_builtin(*objs):
    """display(obj, ...) as in Jupyter: pymd.display."""
    pymd.display(*objs)


def install():
    """print(df) shows tables, pyplot is patched on import, `pymd` and display() are there to use."""
    global _builtin_print
    if builtins.print is not _print:
        _builtin_print = builtins.print
        builtins.print = _print
    sys.meta_path.insert(0, _PyplotHook())
    sys.modules["pymd"] = pymd
    builtins.display = _display_builtin
