# The `pymd` helpers (headings, text, code, tables, images, videos, display), put into the
# `pymd` module the first time one of them is looked up: most blocks never use them, and
# compiling them at start would cost every cold run.
#
# Importing this module only defines things.
import sys

from pymd_display import Shown, b64, display_result, emit, escape_html, figure_png, is_pandas, table_html


def fence(text, lang=""):
    """A Markdown code fence around text, longer than any backtick run in it."""
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return "%s%s\n%s\n%s" % (ticks, lang, text.rstrip("\n"), ticks)


def rows_html(data):
    """A list or tuple of rows (each a list/tuple of cells, or one cell) as an escaped HTML table."""
    rows = []
    for item in data:
        cells = item if isinstance(item, (list, tuple)) else (item,)
        rows.append("<tr>" + "".join("<td>%s</td>" % escape_html(c) for c in cells) + "</tr>")
    return '<table class="pymd-table"><tbody>' + "".join(rows) + "</tbody></table>"


def fill(m):
    """Puts the helpers into the `pymd` module m."""
    m.__doc__ = "PyMD output helpers: headings, text, code, tables, images and videos."

    def heading(level):
        def h(text):
            md = "#" * level + " " + str(text)
            emit("text/markdown", md)
            return Shown(md)
        h.__name__ = "h%d" % level
        return h

    def text(s):
        md = str(s)
        emit("text/markdown", md)
        return Shown(md)

    def code(s, language="python"):
        md = fence(str(s), str(language or ""))
        emit("text/markdown", md)
        return Shown(md)

    def table(data):
        if is_pandas(data, ("DataFrame",)):
            html = table_html(data)
        elif is_pandas(data, ("Series",)):
            html = table_html(data.to_frame())
        elif isinstance(data, (list, tuple)):
            html = rows_html(data)
        else:
            html = '<pre class="data-output">%s</pre>' % escape_html(data)
        emit("text/html", html)
        return Shown(html)

    def image(source=None, caption=""):
        if source is None:
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is None:
                raise ValueError("pymd.image() without a source needs a matplotlib figure")
            fig = plt.gcf()
            emit("image/png", b64(figure_png(fig)))
            plt.close(fig)
        elif hasattr(source, "savefig"):
            emit("image/png", b64(figure_png(source)))
            # Shown now, so it must not be shown again when the block ends.
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is not None:
                plt.close(source)
        else:
            with open(source, "rb") as f:
                raw = f.read()
            if raw.startswith(b"\x89PNG"):
                emit("image/png", b64(raw))
            else:
                kind = "gif" if raw[:4] == b"GIF8" else "jpeg" if raw[:2] == b"\xff\xd8" else "png"
                emit("text/html", '<img alt="%s" src="data:image/%s;base64,%s">' % (escape_html(caption), kind, b64(raw)))
        if caption:
            emit("text/markdown", "*%s*" % str(caption))

    def video(path=None, caption="", width="100%", height="auto", controls=True, autoplay=False, loop=False, video_path=None):
        # Old documents name the path `video_path`; a missing file is reported in the output, as before.
        path = path if path is not None else video_path
        if path is None:
            raise TypeError("pymd.video() needs the path of a video file")
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError:
            emit("text/markdown", "*Error rendering video: Video file not found: %s*" % escape_html(path))
            return
        ext = str(path).rsplit(".", 1)[-1].lower()
        if ext == "gif":
            html = '<img src="data:image/gif;base64,%s" width="%s">' % (b64(raw), escape_html(width))
        else:
            mime = {"webm": "video/webm", "ogg": "video/ogg", "mov": "video/quicktime", "avi": "video/x-msvideo"}.get(ext, "video/mp4")
            attrs = "".join(a for a, on in ((" controls", controls), (" autoplay muted", autoplay), (" loop", loop)) if on)
            html = '<video width="%s" height="%s"%s><source src="data:%s;base64,%s" type="%s"></video>' % (
                escape_html(width), escape_html(height), attrs, mime, b64(raw), mime)
        emit("text/html", html)
        if caption:
            emit("text/markdown", "*%s*" % str(caption))

    def display(*objs):
        for obj in objs:
            if isinstance(obj, str):
                text(obj)
            else:
                display_result(obj)

    m.h1, m.h2, m.h3 = heading(1), heading(2), heading(3)
    m.text, m.code, m.table, m.image, m.video, m.display = text, code, table, image, video, display
