# The traceback of an error a block raised, as the document shows it: only the frames of the
# document's own blocks, with document line numbers, repeated frames collapsed. Imported the
# first time a block fails, so that runs without errors do not compile it.
#
# Importing this module only defines things.


def doc_line(block_files, filename, lineno):
    """The document line of line `lineno` of a block's code (None when it is no block's)."""
    info = block_files.get(filename)
    if info is None or lineno is None:
        return None
    return info[0] + lineno - 1


def source_line(block_files, filename, lineno):
    info = block_files.get(filename)
    if info is None or not lineno or lineno > len(info[1]):
        return ""
    return info[1][lineno - 1].strip()


def format_error(exc, block_files):
    """(name, value, traceback text, document line) of exc.

    block_files maps the file name each block was compiled under to (the document line of the
    block's first line, the block's source lines); frames of any other file are left out.
    """
    name = type(exc).__name__
    try:
        value = str(exc)
    except Exception:
        value = "<unprintable %s>" % name
    lines = ["Traceback (most recent call last):"]
    last_line = None
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in block_files:
            entries.append((code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    prev = None
    repeats = 0
    for entry in entries:
        if entry == prev:
            repeats += 1
            if repeats >= 3:
                continue
        else:
            if repeats >= 3:
                lines.append("  [Previous line repeated %d more times]" % (repeats - 2))
            repeats = 0
        prev = entry
        filename, lineno, func = entry
        doc = doc_line(block_files, filename, lineno)
        last_line = doc
        lines.append("  line %s, in %s" % (doc, func))
        src = source_line(block_files, filename, lineno)
        if src:
            lines.append("    " + src)
    if repeats >= 3:
        lines.append("  [Previous line repeated %d more times]" % (repeats - 2))
    if isinstance(exc, SyntaxError) and exc.filename in block_files:
        doc = doc_line(block_files, exc.filename, exc.lineno)
        last_line = doc
        lines.append("  line %s" % doc)
        if exc.text:
            text = exc.text.rstrip("\n")
            stripped = text.lstrip()
            lines.append("    " + stripped)
            if exc.offset:
                col = max(0, exc.offset - 1 - (len(text) - len(stripped)))
                lines.append("    " + " " * col + "^")
        value = exc.msg
    if len(lines) == 1:
        lines = []
    lines.append("%s: %s" % (name, value) if value else name)
    return name, value, "\n".join(lines), last_line
